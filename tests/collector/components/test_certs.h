// Test certificates made in-process with the OpenSSL C API: a CA, a server certificate and a client
// certificate signed by it (EC P-256, SHA-256), written as PEM files into a fresh temporary
// directory that is removed again with the object. No openssl CLI, no checked-in keys.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace adot::collector::testing {

class TestCerts {
 public:
  // server_san: the server certificate's subjectAltName (OpenSSL config syntax).
  explicit TestCerts(const std::string& server_san = "IP:127.0.0.1,DNS:localhost") {
    static std::atomic<int> counter{0};
    std::random_device rd;
    dir_ = (std::filesystem::temp_directory_path() /
            ("adot-certs-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             std::to_string(rd())))
               .string();
    std::filesystem::create_directories(dir_);

    Key ca_key = NewKey();
    Cert ca = NewCert("adot test CA", ca_key.get(), nullptr, ca_key.get(),
                      {{NID_basic_constraints, "critical,CA:TRUE"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}});
    Key server_key = NewKey();
    Cert server = NewCert("adot test server", server_key.get(), ca.get(), ca_key.get(),
                          {{NID_basic_constraints, "critical,CA:FALSE"},
                           {NID_key_usage, "critical,digitalSignature,keyAgreement"},
                           {NID_ext_key_usage, "serverAuth"},
                           {NID_subject_key_identifier, "hash"},
                           {NID_authority_key_identifier, "keyid"},
                           {NID_subject_alt_name, server_san}});
    Key client_key = NewKey();
    Cert client = NewCert("adot test client", client_key.get(), ca.get(), ca_key.get(),
                          {{NID_basic_constraints, "critical,CA:FALSE"},
                           {NID_key_usage, "critical,digitalSignature,keyAgreement"},
                           {NID_ext_key_usage, "clientAuth"},
                           {NID_subject_key_identifier, "hash"},
                           {NID_authority_key_identifier, "keyid"}});
    ca_ = Path("ca.pem");
    server_cert_ = Path("server.pem");
    server_key_ = Path("server-key.pem");
    client_cert_ = Path("client.pem");
    client_key_ = Path("client-key.pem");
    WriteCert(ca_, ca.get());
    WriteCert(server_cert_, server.get());
    WriteKey(server_key_, server_key.get());
    WriteCert(client_cert_, client.get());
    WriteKey(client_key_, client_key.get());
  }
  ~TestCerts() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca() const { return ca_; }
  const std::string& server_cert() const { return server_cert_; }
  const std::string& server_key() const { return server_key_; }
  const std::string& client_cert() const { return client_cert_; }
  const std::string& client_key() const { return client_key_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // A file's contents (PEM for grpc++ credentials).
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Write(const std::string& name, const std::string& contents) const {
    std::ofstream(Path(name), std::ios::binary) << contents;
  }

 private:
  struct KeyDel {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  struct CertDel {
    void operator()(X509* x) const { X509_free(x); }
  };
  using Key = std::unique_ptr<EVP_PKEY, KeyDel>;
  using Cert = std::unique_ptr<X509, CertDel>;

  static void Check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("TestCerts: ") + what + " failed");
  }

  static Key NewKey() {
    Key k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    Check(k != nullptr, "EVP_PKEY_Q_keygen");
    return k;
  }

  static Cert NewCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                      const std::vector<std::pair<int, std::string>>& extensions) {
    static std::atomic<long> serial{1000};
    Cert x(X509_new());
    Check(x != nullptr, "X509_new");
    Check(X509_set_version(x.get(), 2) == 1, "X509_set_version");
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 7L * 24 * 3600);
    Check(X509_set_pubkey(x.get(), key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("adot tests"), -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                               -1, 0);
    X509* signer = issuer ? issuer : x.get();
    Check(X509_set_issuer_name(x.get(), X509_get_subject_name(signer)) == 1, "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, signer, x.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : extensions) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
      Check(ext != nullptr, "X509V3_EXT_conf_nid");
      X509_add_ext(x.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    Check(X509_sign(x.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
    return x;
  }

  static void WriteCert(const std::string& path, X509* x) {
    FILE* f = std::fopen(path.c_str(), "wb");
    Check(f != nullptr, "fopen");
    bool ok = PEM_write_X509(f, x) == 1;
    std::fclose(f);
    Check(ok, "PEM_write_X509");
  }
  static void WriteKey(const std::string& path, EVP_PKEY* k) {
    FILE* f = std::fopen(path.c_str(), "wb");
    Check(f != nullptr, "fopen");
    bool ok = PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    Check(ok, "PEM_write_PrivateKey");
  }

  std::string dir_, ca_, server_cert_, server_key_, client_cert_, client_key_;
};

}  // namespace adot::collector::testing
