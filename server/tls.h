#pragma once

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <functional>
#include <memory>
#include <string>

namespace eddy::server {

// What a TLS endpoint is configured with, in redis.conf's terms.
struct TlsOptions {
  enum class Verify { kNone, kOptional, kRequired };
  std::string cert_file;  // own certificate (a server's; a client's, optional)
  std::string key_file;
  std::string ca_file;  // trusted CAs for the peer's certificate
  Verify verify = Verify::kRequired;
  std::string protocols;  // tls-protocols: "TLSv1.2 TLSv1.3"; empty for the default
  // Client only: the name the server's certificate must carry (also sent as SNI).
  std::string server_name;
};

// The Mbed TLS configuration one side shares among its connections: certificates, key, trusted
// CAs and the random generator. Everything runs on the event loop thread, so one generator
// serves every connection.
class TlsContext {
 public:
  enum class Role { kServer, kClient };
  // Reads the files; nullptr and `error` set (Redis-style text) when they cannot be used.
  static std::unique_ptr<TlsContext> create(Role role, const TlsOptions& options,
                                            std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  mbedtls_ssl_config* config() { return &conf_; }
  TlsOptions::Verify verify() const { return verify_; }
  Role role() const { return role_; }
  const std::string& server_name() const { return server_name_; }

 private:
  TlsContext();

  Role role_ = Role::kServer;
  TlsOptions::Verify verify_ = TlsOptions::Verify::kRequired;
  std::string server_name_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt cert_;
  mbedtls_x509_crt ca_;
  mbedtls_pk_context key_;
  mbedtls_ssl_config conf_;
};

// TLS over a connected TCP socket, with the operations eddy's connections use: a handshake, a
// read of some bytes, a write of all bytes. Mbed TLS works on two memory buffers (ciphertext in,
// ciphertext out) and Asio moves them, so TLS never blocks the event loop and at most one
// socket read and one socket write are in flight, as for a plain connection. The socket stays
// the caller's (a Connection's or the edge client's); closing it ends every pending operation
// with an error. Completion handlers always run from the event loop, never inside the call.
class TlsStream : public std::enable_shared_from_this<TlsStream> {
 public:
  using IoHandler = std::function<void(const boost::system::error_code&, size_t)>;
  using Handler = std::function<void(const boost::system::error_code&)>;

  TlsStream(boost::asio::ip::tcp::socket& socket, TlsContext& context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  void async_handshake(Handler handler);
  // Up to `n` bytes of plaintext into `dst`; asio::error::eof when the peer closed.
  void async_read_some(char* dst, size_t n, IoHandler handler);
  // All `n` bytes, which must stay valid until the handler runs.
  void async_write(const char* data, size_t n, IoHandler handler);

  // The error category of Mbed TLS failures (the value is the negated Mbed TLS code).
  static const boost::system::error_category& category();

 private:
  static int bio_send(void* self, const unsigned char* buf, size_t len);
  static int bio_recv(void* self, unsigned char* buf, size_t len);
  void step_handshake();
  void step_read();
  void encrypt_more();
  void read_socket();
  void flush();
  void after_flush();
  void fail_all(const boost::system::error_code& ec);
  void complete_read(const boost::system::error_code& ec, size_t n);
  void complete_write(const boost::system::error_code& ec, size_t n);

  boost::asio::ip::tcp::socket& socket_;
  TlsContext& context_;
  mbedtls_ssl_context ssl_;
  std::string in_;   // ciphertext received, not yet consumed by Mbed TLS
  size_t in_pos_ = 0;
  std::string out_;  // ciphertext produced, waiting for the socket
  std::string sending_;
  char chunk_[16 * 1024];
  bool socket_reading_ = false;
  bool socket_writing_ = false;

  Handler handshake_handler_;
  IoHandler read_handler_;
  char* read_dst_ = nullptr;
  size_t read_n_ = 0;
  IoHandler write_handler_;
  const char* write_data_ = nullptr;
  size_t write_n_ = 0;
  size_t write_done_ = 0;
};

}  // namespace eddy::server
