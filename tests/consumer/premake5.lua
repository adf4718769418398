-- A tiny "engine" that vendors tickwire the way a game does (as third_party/tickwire, here the
-- repository root two folders up) and links it with one call. tests/run.sh generates, builds and
-- runs it to prove that tickwire's premake5.lua can be included by someone else's workspace.
-- Written for premake5; the lines marked "premake4" let Debian's premake 4.3 run it as well.

if not workspace then workspace = solution end -- premake4: no `workspace` before tickwire's shim

workspace "engine"
    configurations { "Debug", "Release" }
    location "build"

if _PREMAKE_VERSION:sub(1, 1) == "4" then
    dofile "../../premake5.lua"                -- premake4: its `include` only finds premake4.lua
else
    include "../.."
end

project "engine"
    kind "ConsoleApp"
    language "C++"
    cppdialect "C++17"
    files { "main.cpp" }
    targetdir "build/bin"
    tickwire.link()
