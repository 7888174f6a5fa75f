#pragma once
/// A throwaway PKI for one test process: a trusted test CA, server certificates it signed, and one
/// signed by a second CA that nothing trusts. Made in memory with OpenSSL on first use.
#include <filesystem>
#include <string>

namespace r1::test {

struct cert_and_key {
    std::string cert_pem;
    std::string key_pem;
};

struct test_pki {
    std::filesystem::path ca_file;  // the test CA as PEM, for make_tls_context (--ca-file)
    cert_and_key localhost;         // DNS:localhost, IP:127.0.0.1; signed by the test CA
    cert_and_key wrong_host;        // DNS:wrong.example; signed by the test CA
    cert_and_key untrusted;         // DNS:localhost, IP:127.0.0.1; signed by an untrusted CA
    cert_and_key expired;           // DNS:localhost, IP:127.0.0.1; test CA; valid until 2 days ago
    cert_and_key not_yet_valid;     // DNS:localhost, IP:127.0.0.1; test CA; valid from 2 days on
};

/// Generated once per process; the CA file lives in a temp dir removed at exit.
const test_pki& pki();

/// The test CA's PEM file as a path string, for --ca-file.
inline std::string ca_path() { return pki().ca_file.string(); }

}  // namespace r1::test
