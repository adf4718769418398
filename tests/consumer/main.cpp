// The engine's whole use of tickwire: its one public header and one call. Built with the
// engine's own settings (exceptions and RTTI on), which the public headers must accept.
#include <tickwire/tickwire.hpp>

#include <cstdio>
#include <cstring>

int main() {
    const char* version = tickwire::version_string();
    if (version == nullptr || std::strlen(version) == 0) {
        std::printf("engine: tickwire::version_string() is empty\n");
        return 1;
    }
    std::printf("engine: linked tickwire %s\n", version);
    return 0;
}
