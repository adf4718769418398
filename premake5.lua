-- tickwire's build script.
--
-- Standalone (this repository):
--     premake5 gmake2                         (premake5 up to 5.0-beta4; `premake5 gmake` from beta5)
--     premake4 --file=premake5.lua gmake      (Debian's premake 4.3, through the shim below)
--     make -C build config=release -j2        (or config=debug, config=sanitize; a project name
--                                              such as tickwire_tests builds just that)
-- Every binary lands in build/bin/<config>/ (build/bin/release/tickwire_tests, ...); the makefiles
-- and objects stay in build/.
--
-- Inside an engine's premake5.lua:
--     workspace "Engine"
--         configurations { "Debug", "Release" }
--     include "third_party/tickwire"          -- defines project "tickwire" in *your* workspace
--     project "Game"
--         kind "ConsoleApp"
--         tickwire.link()                     -- include path + the library + its system libraries
-- Included, this script opens no workspace, reads none of your globals, writes nothing into its
-- own folder (its makefile and objects go beside your workspace's), leaves symbols/optimize/runtime
-- to your workspace, and hands scope back to your workspace when it is done.
-- To link another mbedTLS (your own project, say), set tickwire.mbedtls_links before tickwire.link()
-- and add its headers with: project "tickwire" includedirs { ... }

-- A second include of this file (premake4 has no include-once) must not define things twice.
if tickwire ~= nil then return end

-----------------------------------------------------------------------------------------------
-- premake4 shim: lets Debian's premake 4.3 run this premake5 script. Nothing here runs under
-- premake5. It maps the few premake5 calls used below onto their premake4 equivalents.
-----------------------------------------------------------------------------------------------
if _PREMAKE_VERSION:sub(1, 1) == "4" then
    workspace = solution
    removefiles = excludes
    -- "configurations:Debug" -> "Debug", "system:not windows" -> "not windows", "action:vs*" -> "vs*"
    function filter(terms)
        if type(terms) ~= "table" then terms = { terms } end
        local out = {}
        for _, term in ipairs(terms) do table.insert(out, (term:gsub("^%a+:", ""))) end
        configuration(out)
    end
    function cppdialect(v) buildoptions { "-std=" .. v:lower() } end -- gmake only, like this shim
    function symbols(v) if v:lower() == "on" then flags { "Symbols" } end end
    function optimize(v)
        local map = { on = "Optimize", speed = "OptimizeSpeed", full = "OptimizeSpeed", size = "OptimizeSize" }
        if map[v:lower()] then flags { map[v:lower()] } end
    end
    function exceptionhandling(v) if v:lower() == "off" then flags { "NoExceptions" } end end
    function rtti(v) if v:lower() == "off" then flags { "NoRTTI" } end end
    function warnings(v) if v:lower() == "extra" then flags { "ExtraWarnings" } buildoptions { "-Wextra" } end end

    -- premake 4.3's gmake names each object $(OBJDIR)/<basename>.o, so platform/posix/socket.cpp
    -- and source/x/socket.cpp would collide. Name C/C++ objects after their path instead.
    local make_cpp = premake.make_cpp
    function premake.make_cpp(prj)
        local basename = path.getbasename
        path.getbasename = function(p)
            if not path.iscppfile(p) then return basename(p) end
            return (p:gsub("%.[^./]*$", ""):gsub("%.%./", ""):gsub("^[./]+", ""):gsub("[/:]", "_"))
        end
        local ok, err = pcall(make_cpp, prj)
        path.getbasename = basename
        if not ok then error(err, 0) end
    end
end

-----------------------------------------------------------------------------------------------
-- Where we are, and who runs us.
-----------------------------------------------------------------------------------------------
local ROOT = path.getdirectory(_SCRIPT) -- absolute in both premake versions
local PREMAKE4 = _PREMAKE_VERSION:sub(1, 1) == "4"

-- The includer's workspace, or nil when none is open (premake5 raises then, premake4 returns nil).
local function open_workspace()
    local ok, wks = pcall(workspace)
    if ok then return wks end
    return nil
end
local includer = open_workspace()

-- premake4 4.3 has no _MAIN_SCRIPT; there the main script is the one that runs before any
-- workspace exists (an includer must open its workspace before including us).
local standalone
if _MAIN_SCRIPT then
    standalone = path.getabsolute(_MAIN_SCRIPT) == path.getabsolute(_SCRIPT)
else
    standalone = includer == nil
end
if not standalone and includer == nil then
    error("tickwire: include this script after your `workspace` call, then call tickwire.link() in your project", 0)
end

local function target_os()
    if os.target then return os.target() end -- premake5
    return _OPTIONS.os or os.get()              -- premake4
end

-----------------------------------------------------------------------------------------------
-- Which mbedTLS: the system's (default), or Debian's source package built here with a fixed heap.
-----------------------------------------------------------------------------------------------
newoption {
    trigger = "mbedtls",
    value = "KIND",
    description = "mbedTLS: system (installed libmbedtls-dev, default) or source (deps/, fixed heap)",
    allowed = {
        { "system", "the installed mbedTLS (libmbedtls-dev)" },
        { "source", "deps/mbedtls-<version>/ (tests/mbedtls_source.sh), built with a fixed heap" },
    },
}
newoption {
    trigger = "mbedtls-version",
    value = "VERSION",
    description = "with --mbedtls=source: 3.6 (default, Debian 13's) or 2.28 (Debian 12's)",
    allowed = { { "3.6", "mbedTLS 3.6 (TLS 1.2 and 1.3)" }, { "2.28", "mbedTLS 2.28 (TLS 1.2)" } },
}
local MBEDTLS_SOURCE = _OPTIONS["mbedtls"] == "source"
local MBEDTLS_VERSION = _OPTIONS["mbedtls-version"] or "3.6"
local MBEDTLS_DIR = ROOT .. "/deps/mbedtls-" .. MBEDTLS_VERSION
if MBEDTLS_SOURCE and not os.isfile(MBEDTLS_DIR .. "/library/ssl_tls.c") then
    error("tickwire: " .. MBEDTLS_DIR .. " is missing; run: bash tests/mbedtls_source.sh " .. MBEDTLS_VERSION, 0)
end

-- Standalone, everything goes to build/; a build for another OS (--os=windows) or with mbedTLS
-- from source gets a folder of its own below it (build/windows/mbedtls-3.6/bin/release/...), so
-- that the default build's binaries stay where they are.
local BUILD = ROOT .. "/build"
local host_os = os.host and os.host() or _OS              -- premake5 / premake4
local target_option = _OPTIONS["target-os"] or _OPTIONS["os"] -- premake5 (newer) / both
if target_option and target_option ~= host_os then
    BUILD = BUILD .. "/" .. target_option
end
if MBEDTLS_SOURCE then BUILD = BUILD .. "/mbedtls-" .. MBEDTLS_VERSION end

-- mbedTLS's headers and configuration, for mbedTLS itself and for tickwire's source/crypto (both
-- must see the same structures). The configuration comes in by include order, not by a
-- MBEDTLS_CONFIG_FILE="..." define (whose quotes make, shells and Visual Studio each escape
-- differently): source/crypto/mbedtls_config/v<major>/mbedtls/ holds a file named like
-- mbedTLS's own configuration header, found first.
local function mbedtls_source_settings()
    local shadow = ROOT .. "/source/crypto/mbedtls_config/" .. (MBEDTLS_VERSION == "2.28" and "v2" or "v3")
    includedirs { shadow, MBEDTLS_DIR .. "/include" }
    defines { "TICKWIRE_MBEDTLS_SOURCE" } -- crypto/tls_heap.cpp checks the configuration took
end

-----------------------------------------------------------------------------------------------
-- The usage function consumers call from inside their own project.
-----------------------------------------------------------------------------------------------
tickwire = {
    root = ROOT,
    mbedtls_links = { "mbedtls", "mbedx509", "mbedcrypto" }, -- in link order
    windows_links = { "ws2_32", "bcrypt" },
}
if MBEDTLS_SOURCE then tickwire.mbedtls_links = { "tickwire_mbedtls" } end

-- Adds tickwire's public include path, links the library and the system libraries it needs.
-- It decides Windows by the target OS instead of a `filter`, because a filter here would reset
-- whatever filter the calling project has open.
function tickwire.link()
    includedirs { ROOT .. "/include" }
    links { "tickwire" }
    links(tickwire.mbedtls_links)
    if target_os() == "windows" then links(tickwire.windows_links) end
end

-- Protocols compiled in: --protocols=ws,sp,sockety (default: all). A protocol left out loses its
-- source folders and gets TICKWIRE_NO_<NAME>; the engine then links its hooks from
-- source/core/without_<name>.cpp (source/core/protocols.hpp). With any left out, the standalone
-- build has the library and tickwire_footprint only (the tests and samples need every protocol).
newoption {
    trigger = "protocols",
    value = "LIST",
    description = "Protocols compiled in, comma-separated: ws,sp,sockety (default: all; none: the core alone)",
}
local PROTOCOLS = {
    { name = "ws", dirs = { "ws", "http" }, define = "TICKWIRE_NO_WEBSOCKET" },
    { name = "sp", dirs = { "sp" }, define = "TICKWIRE_NO_SP" },
    { name = "sockety", dirs = { "sockety" }, define = "TICKWIRE_NO_SOCKETY" },
}
local function chosen_protocols()
    local chosen, all = {}, true
    local text = _OPTIONS["protocols"]
    for _, p in ipairs(PROTOCOLS) do chosen[p.name] = text == nil or text == "" or text == "all" end
    if not chosen.ws and text ~= "none" then  -- "none": the core alone (tcp, ipc, inproc, TLS)
        for name in text:gmatch("[^,%s]+") do
            if chosen[name] == nil then
                error("tickwire: --protocols: unknown protocol '" .. name .. "' (known: ws, sp, sockety)", 0)
            end
            chosen[name] = true
        end
    end
    for _, p in ipairs(PROTOCOLS) do all = all and chosen[p.name] end
    return chosen, all
end
local PROTOCOLS_CHOSEN, ALL_PROTOCOLS = chosen_protocols()
-- A build with some protocols left out gets folders of its own (build/bin/minsize-ws/, ...):
-- its objects differ by their defines, which make cannot see.
local PROTOCOLS_SUFFIX = ""
if not ALL_PROTOCOLS then
    local names = {}
    for _, p in ipairs(PROTOCOLS) do
        if PROTOCOLS_CHOSEN[p.name] then table.insert(names, p.name) end
    end
    PROTOCOLS_SUFFIX = "-" .. (#names > 0 and table.concat(names, "_") or "none")
end

-- Leaves the protocols that were not chosen out of the current project.
local function protocol_settings()
    for _, p in ipairs(PROTOCOLS) do
        if not PROTOCOLS_CHOSEN[p.name] then
            for _, dir in ipairs(p.dirs) do removefiles { ROOT .. "/source/" .. dir .. "/**.cpp" } end
            defines { p.define }
        end
    end
end

-- The language settings of every tickwire project (library, tests, samples).
local function cxx_settings()
    language "C++"
    cppdialect "C++17"
    exceptionhandling "Off"
    rtti "Off"
    warnings "Extra"
    filter "action:not vs*"
        buildoptions { "-Wshadow", "-Wconversion" }
    filter {}
end

local CONFIGS = { "Debug", "Release", "Sanitize", "MinSize" }

-- Standalone outputs: build/bin/<config>/ for binaries, build/obj/<config>/<project>/ for objects.
local function standalone_outputs(name)
    for _, cfg in ipairs(CONFIGS) do
        filter("configurations:" .. cfg)
            targetdir(BUILD .. "/bin/" .. cfg:lower() .. PROTOCOLS_SUFFIX)
            objdir(BUILD .. "/obj/" .. cfg:lower() .. PROTOCOLS_SUFFIX .. "/" .. name)
    end
    filter {}
end

-----------------------------------------------------------------------------------------------
-- Our own workspace, only when we are the main script.
-----------------------------------------------------------------------------------------------
if standalone then
    workspace "tickwire"
        configurations(CONFIGS)
        location(BUILD)

    filter "configurations:Debug"
        symbols "On"

    filter "configurations:Release"
        optimize "On" -- -O2
        defines { "NDEBUG" }

    filter "configurations:Sanitize"
        symbols "On"
        buildoptions { "-O1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all" }
        linkoptions { "-fsanitize=address,undefined" }

    -- For devices (README, "A constrained device"): -Os, each function in its own section, and
    -- the linker drops what the program does not reach.
    filter "configurations:MinSize"
        optimize "Size"
        defines { "NDEBUG" }
    filter { "configurations:MinSize", "action:not vs*" }
        buildoptions { "-ffunction-sections", "-fdata-sections" }
        linkoptions { "-Wl,--gc-sections" }

    -- Warnings are errors here, not in an engine that includes us with a newer compiler.
    filter "action:not vs*"
        buildoptions { "-Werror" }
    filter {}

    -- mingw-w64 (cross-compiling for Windows): programs that need no MinGW DLLs beside them,
    -- so that they run as they are (under wine in CI, or copied to a Windows machine).
    filter { "system:windows", "action:gmake*" }
        linkoptions { "-static" }
    filter {}
end

-- Where a library project writes its makefile, objects and archive: build/ standalone, beside the
-- includer's workspace otherwise.
local function library_outputs(name)
    if standalone then
        standalone_outputs(name)
    elseif PREMAKE4 then
        -- No tokens in premake4: put everything beside the includer's solution, per configuration.
        local base = includer.location or includer.basedir
        location(base)
        for _, cfg in ipairs(includer.configurations or {}) do
            configuration(cfg)
                targetdir(base .. "/bin/" .. cfg:lower())
                objdir(base .. "/obj/" .. cfg:lower() .. "/" .. name)
        end
        configuration {}
    else
        location "%{wks.location}"
        targetdir "%{wks.location}/bin/%{cfg.buildcfg}"
        objdir "%{wks.location}/obj/%{cfg.buildcfg}/%{prj.name}"
    end
end

-----------------------------------------------------------------------------------------------
-- The library.
-----------------------------------------------------------------------------------------------
project "tickwire"
    kind "StaticLib"
    cxx_settings()
    includedirs { ROOT .. "/include", ROOT .. "/source", ROOT }
    files {
        ROOT .. "/include/**.hpp",
        ROOT .. "/source/**.hpp",
        ROOT .. "/source/**.cpp",
        ROOT .. "/platform/*.hpp",
        ROOT .. "/platform/*.cpp",  -- what every OS shares (fault injection's state)
    }
    filter "system:windows"
        files { ROOT .. "/platform/windows/**.hpp", ROOT .. "/platform/windows/**.cpp" }
        -- Windows 10 or newer: WSAPoll, and AF_UNIX for ipc:// (platform/windows/socket.cpp).
        defines { "_WIN32_WINNT=0x0A00", "WIN32_LEAN_AND_MEAN", "NOMINMAX" }
    filter "action:vs*"
        defines { "_CRT_SECURE_NO_WARNINGS" } -- fopen & co. are used with their sizes checked
    filter "system:not windows"
        files { ROOT .. "/platform/posix/**.hpp", ROOT .. "/platform/posix/**.cpp" }
    filter {}
    protocol_settings()
    if MBEDTLS_SOURCE then mbedtls_source_settings() end

    library_outputs("tickwire")

-- mbedTLS from Debian's source package (--mbedtls=source): mbedTLS's own C files, nothing else,
-- with tickwire's configuration (source/crypto/mbedtls_config/). Built without tickwire's
-- warning flags: it is not our code.
if MBEDTLS_SOURCE then
    project "tickwire_mbedtls"
        kind "StaticLib"
        language "C"
        files { MBEDTLS_DIR .. "/library/*.c" }
        includedirs { MBEDTLS_DIR .. "/library" }
        mbedtls_source_settings()
        library_outputs("tickwire_mbedtls")
end

if standalone then
    -------------------------------------------------------------------------------------------
    -- The smallest program that uses each compiled-in protocol: it checks that the build
    -- works and is what tests/footprint/size_table.sh measures.
    -------------------------------------------------------------------------------------------
    project "tickwire_footprint"
        kind "ConsoleApp"
        cxx_settings()
        includedirs { ROOT .. "/include", ROOT .. "/source", ROOT }
        files { ROOT .. "/tests/footprint/footprint_main.cpp" }
        protocol_settings()
        tickwire.link()
        standalone_outputs("tickwire_footprint")
end

if standalone and ALL_PROTOCOLS then
    -------------------------------------------------------------------------------------------
    -- Tests: one binary; its runner takes name substrings to filter cases.
    -------------------------------------------------------------------------------------------
    project "tickwire_tests"
        kind "ConsoleApp"
        cxx_settings()
        includedirs { ROOT .. "/include", ROOT .. "/source", ROOT }
        files {
            ROOT .. "/tests/framework/**.hpp",
            ROOT .. "/tests/framework/**.cpp",
            ROOT .. "/tests/unit/**.hpp",
            ROOT .. "/tests/unit/**.cpp",
            ROOT .. "/tests/loopback/**.hpp",
            ROOT .. "/tests/loopback/**.cpp",
            ROOT .. "/tests/interop/**.hpp",
            ROOT .. "/tests/interop/**.cpp",
        }
        removefiles { ROOT .. "/tests/interop/node_modules/**" }
        removefiles { ROOT .. "/tests/interop/sp_matrix/**" } -- its own binary, below
        -- Windows (the mingw build run under wine): the interop tests drive Linux peers
        -- (openssl, nanocat, dnsmasq) and the SP loopback tests use POSIX sockets directly.
        filter "system:windows"
            removefiles { ROOT .. "/tests/interop/**.cpp", ROOT .. "/tests/loopback/sp_loopback_test.cpp" }
        filter {}
        tickwire.link()
        -- Interop tests may drive the reference nanomsg/NNG implementations in-process.
        filter "system:linux"
            links { "nng", "nanomsg", "pthread" }
        filter {}
        standalone_outputs("tickwire_tests")

    -- The soak (issue 7): every protocol family for minutes, each payload verified; it may turn
    -- on the platform's fault injection, hence the internal include paths. POSIX only (it reads
    -- its RSS from /proc).
    if target_os() ~= "windows" then
    project "tickwire_soak"
        kind "ConsoleApp"
        cxx_settings()
        includedirs { ROOT .. "/include", ROOT .. "/source", ROOT }
        files { ROOT .. "/tests/soak/**.hpp", ROOT .. "/tests/soak/**.cpp" }
        tickwire.link()
        standalone_outputs("tickwire_soak")
    end

    -------------------------------------------------------------------------------------------
    -- SP interop matrix (tests/interop/run_sp_interop.sh): tickwire's SP sockets against
    -- nanocat, nngcat and sp_nng_peer (a reference peer on libnng), every pattern, both ways.
    -- Linux only: the peers are Debian packages, the tests fork them.
    -------------------------------------------------------------------------------------------
    if target_os() == "linux" then
    project "sp_interop_tests"
        kind "ConsoleApp"
        cxx_settings()
        includedirs { ROOT .. "/include", ROOT .. "/source", ROOT }
        files {
            ROOT .. "/tests/framework/**.hpp",
            ROOT .. "/tests/framework/**.cpp",
            ROOT .. "/tests/interop/sp_matrix/**.hpp",
            ROOT .. "/tests/interop/sp_matrix/**.cpp",
        }
        tickwire.link()
        standalone_outputs("sp_interop_tests")

    project "sp_nng_peer"
        kind "ConsoleApp"
        language "C"
        files { ROOT .. "/tests/interop/sp_nng_peer.c" }
        buildoptions { "-std=c11", "-Wall", "-Wextra" }
        links { "nng", "pthread" }
        standalone_outputs("sp_nng_peer")
    end

    -- AEAD speed of the linked mbedTLS (samples/bench/run.sh's TLS section): a bench tool that
    -- calls mbedTLS directly, with the same headers and configuration as source/crypto.
    project "tls_cipher_speed"
        kind "ConsoleApp"
        cxx_settings()
        files { ROOT .. "/samples/bench/crypto/tls_cipher_speed.cpp" }
        if MBEDTLS_SOURCE then mbedtls_source_settings() end
        links(tickwire.mbedtls_links)
        standalone_outputs("tls_cipher_speed")

    -------------------------------------------------------------------------------------------
    -- Samples: each samples/<name>/ is one program named <name>, or, when several of its .cpp
    -- files have a main(), one program per such file, named after it (they share the rest).
    -------------------------------------------------------------------------------------------
    local function has_main(file)
        local f = io.open(file, "r")
        if not f then return false end
        local text = f:read("*a")
        f:close()
        return text:find("int%s+main%s*%(") ~= nil
    end

    local function sample_project(name, dir, sources)
        project(name)
            kind "ConsoleApp"
            cxx_settings()
            files(sources)
            files { dir .. "/*.hpp" }
            tickwire.link()
            standalone_outputs(name)
    end

    local dirs = os.matchdirs(ROOT .. "/samples/*")
    table.sort(dirs)
    for _, dir in ipairs(dirs) do
        local cpps = os.matchfiles(dir .. "/*.cpp")
        table.sort(cpps)
        local mains, shared = {}, {}
        for _, file in ipairs(cpps) do
            if has_main(file) then table.insert(mains, file) else table.insert(shared, file) end
        end
        if #mains > 1 then
            for _, main in ipairs(mains) do
                local sources = { main }
                for _, s in ipairs(shared) do table.insert(sources, s) end
                sample_project(path.getbasename(main), dir, sources)
            end
        elseif #cpps > 0 then
            sample_project(path.getname(dir), dir, cpps)
        end
    end
elseif not standalone then
    -- Hand scope back to the includer's workspace (no project, no filter open).
    workspace(includer.name)
end
