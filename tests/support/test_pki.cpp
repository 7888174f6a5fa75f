#include "tests/support/test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <stdlib.h>

namespace r1::test {
namespace {

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

struct issued {
    x509_ptr cert{nullptr, &X509_free};
    key_ptr key{nullptr, &EVP_PKEY_free};
};

key_ptr new_key() {
    char curve[] = "P-256";  // EC keys are made in microseconds; RSA would slow every test run
    key_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), &EVP_PKEY_free};
    check(key != nullptr, "key generation");
    return key;
}

constexpr long day = 24 * 3600;

/// A CA certificate when `issuer` is null (self-signed), else a TLS server certificate for `san`,
/// valid from `not_before` to `not_after` seconds from now.
issued make_cert(const std::string& common_name, const std::string& san, const issued* issuer, long serial,
                 long not_before = -3600, long not_after = 7 * day) {
    issued out;
    out.key = new_key();
    out.cert.reset(X509_new());
    X509* x = out.cert.get();
    check(x != nullptr, "X509_new");
    check(X509_set_version(x, X509_VERSION_3) == 1, "set version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(x), not_before) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(x), not_after) != nullptr, "notAfter");
    check(X509_set_pubkey(x, out.key.get()) == 1, "public key");
    check(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1,
          "subject");
    X509* issuer_cert = issuer ? issuer->cert.get() : x;
    check(X509_set_issuer_name(x, X509_get_subject_name(issuer_cert)) == 1, "issuer");

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer_cert, x, nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        check(ext != nullptr, "extension");
        check(X509_add_ext(x, ext, -1) == 1, "add extension");
        X509_EXTENSION_free(ext);
    };
    add(NID_subject_key_identifier, "hash");
    if (issuer == nullptr) {
        add(NID_basic_constraints, "critical,CA:TRUE");
        add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add(NID_authority_key_identifier, "keyid:always");
        add(NID_basic_constraints, "critical,CA:FALSE");
        add(NID_key_usage, "critical,digitalSignature");
        add(NID_ext_key_usage, "serverAuth");
        add(NID_subject_alt_name, san.c_str());
    }
    check(X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256()) > 0, "sign");
    return out;
}

std::string to_pem(const issued& i, bool with_key) {
    bio_ptr bio{BIO_new(BIO_s_mem()), &BIO_free};
    check(bio != nullptr, "BIO_new");
    if (with_key)
        check(PEM_write_bio_PrivateKey(bio.get(), i.key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1, "key PEM");
    else
        check(PEM_write_bio_X509(bio.get(), i.cert.get()) == 1, "cert PEM");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

cert_and_key pem_pair(const issued& i) { return {to_pem(i, false), to_pem(i, true)}; }

struct owned_pki {
    test_pki pki;
    std::filesystem::path dir;

    owned_pki() {
        auto ca = make_cert("r1 test CA", "", nullptr, 1);
        auto other_ca = make_cert("r1 untrusted test CA", "", nullptr, 2);
        pki.localhost = pem_pair(make_cert("localhost", "DNS:localhost,IP:127.0.0.1", &ca, 10));
        pki.wrong_host = pem_pair(make_cert("wrong.example", "DNS:wrong.example", &ca, 11));
        pki.untrusted = pem_pair(make_cert("localhost", "DNS:localhost,IP:127.0.0.1", &other_ca, 12));
        pki.expired = pem_pair(make_cert("localhost", "DNS:localhost,IP:127.0.0.1", &ca, 13, -30 * day, -2 * day));
        pki.not_yet_valid = pem_pair(make_cert("localhost", "DNS:localhost,IP:127.0.0.1", &ca, 14, 2 * day, 30 * day));

        std::string tmpl = (std::filesystem::temp_directory_path() / "r1-test-pki-XXXXXX").string();
        check(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
        dir = tmpl;
        pki.ca_file = dir / "test-ca.pem";
        std::ofstream(pki.ca_file) << to_pem(ca, false);
    }
    ~owned_pki() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

}  // namespace

const test_pki& pki() {
    static const owned_pki instance;
    return instance.pki;
}

}  // namespace r1::test
