// The samples' TLS command-line flags, in one place:
//     --tls-cert FILE --tls-key FILE   serve TLS (wss://, tls://) with this certificate and key
//     --tls-ca FILE                    trust this CA (clients; servers asking for client certs)
//     --tls-no-verify                  clients: do not verify the server (logged by the library)
#pragma once
#include <cstring>

#include <tickwire/tickwire.hpp>

namespace sample {

struct TlsFlags {
    const char* cert = nullptr;
    const char* key = nullptr;
    const char* ca = nullptr;
    bool no_verify = false;

    static constexpr const char* kUsage = "[--tls-cert FILE --tls-key FILE] [--tls-ca FILE] [--tls-no-verify]";

    // Takes argv[i] (and its value) when it is one of the flags above.
    bool parse(int argc, char** argv, int& i) {
        const bool has_value = i + 1 < argc;
        if (!std::strcmp(argv[i], "--tls-cert") && has_value) cert = argv[++i];
        else if (!std::strcmp(argv[i], "--tls-key") && has_value) key = argv[++i];
        else if (!std::strcmp(argv[i], "--tls-ca") && has_value) ca = argv[++i];
        else if (!std::strcmp(argv[i], "--tls-no-verify")) no_verify = true;
        else return false;
        return true;
    }

    bool serving() const { return cert && key; }

    // Fills Config::tls for `sessions` TLS connections at once.
    void apply(tickwire::Config& cfg, uint32_t sessions) const {
        cfg.tls.max_sessions = sessions;
        cfg.tls.cert_file = cert;
        cfg.tls.key_file = key;
        cfg.tls.ca_file = ca;
        cfg.tls.verify_peer = !no_verify;
    }
};

} // namespace sample
