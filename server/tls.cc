#include "server/tls.h"

#include <mbedtls/error.h>

#include <algorithm>
#include <cstring>
#include <sstream>

namespace eddy::server {
namespace {

namespace asio = boost::asio;

// At most this much plaintext is encrypted ahead of the socket: a large reply is sent in
// slices instead of doubling its memory as ciphertext.
constexpr size_t kEncryptAhead = 256 * 1024;
constexpr size_t kRecordPlaintext = 16 * 1024;

std::string mbedtls_text(int code) {
  char buf[160];
  mbedtls_strerror(code, buf, sizeof buf);
  return buf;
}

class TlsCategory : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "tls"; }
  std::string message(int value) const override { return mbedtls_text(-value); }
};

boost::system::error_code tls_error(int code) {
  return boost::system::error_code(-code, TlsStream::category());
}

// tls-protocols as Redis reads it. Mbed TLS 2.28 speaks TLS up to 1.2, so a list naming only
// TLSv1.3 cannot be served.
bool protocol_range(const std::string& text, int& min_minor, std::string& error) {
  if (text.empty()) {
    min_minor = MBEDTLS_SSL_MINOR_VERSION_3;
    return true;
  }
  std::istringstream words(text);
  std::string w;
  int lowest = -1;
  bool any = false;
  while (words >> w) {
    int minor;
    if (w == "TLSv1" || w == "tlsv1")
      minor = MBEDTLS_SSL_MINOR_VERSION_1;
    else if (w == "TLSv1.1" || w == "tlsv1.1")
      minor = MBEDTLS_SSL_MINOR_VERSION_2;
    else if (w == "TLSv1.2" || w == "tlsv1.2")
      minor = MBEDTLS_SSL_MINOR_VERSION_3;
    else if (w == "TLSv1.3" || w == "tlsv1.3")
      continue;
    else {
      error = "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', "
              "'TLSv1.2' and 'TLSv1.3'.";
      return false;
    }
    any = true;
    if (lowest < 0 || minor < lowest) lowest = minor;
  }
  if (!any) {
    error = "tls-protocols: this build (Mbed TLS 2.28) supports TLS up to TLSv1.2";
    return false;
  }
  min_minor = lowest;
  return true;
}

}  // namespace

TlsContext::TlsContext() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&cert_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_pk_init(&key_);
  mbedtls_ssl_config_init(&conf_);
}

TlsContext::~TlsContext() {
  mbedtls_ssl_config_free(&conf_);
  mbedtls_pk_free(&key_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_x509_crt_free(&cert_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

std::unique_ptr<TlsContext> TlsContext::create(Role role, const TlsOptions& o,
                                               std::string& error) {
  std::unique_ptr<TlsContext> ctx(new TlsContext());
  ctx->role_ = role;
  ctx->verify_ = o.verify;
  ctx->server_name_ = o.server_name;
  auto failed = [&](const std::string& what, int code) {
    error = what + ": " + mbedtls_text(code);
    return nullptr;
  };
  static constexpr unsigned char kPersonal[] = "eddy-tls";
  if (int rc = mbedtls_ctr_drbg_seed(&ctx->drbg_, mbedtls_entropy_func, &ctx->entropy_,
                                     kPersonal, sizeof kPersonal - 1))
    return failed("Failed to seed the TLS random generator", rc);
  const bool server = role == Role::kServer;
  if (server && (o.cert_file.empty() || o.key_file.empty())) {
    error = "Failed to configure TLS: tls-cert-file and tls-key-file are required";
    return nullptr;
  }
  if (!o.cert_file.empty()) {
    if (int rc = mbedtls_x509_crt_parse_file(&ctx->cert_, o.cert_file.c_str()))
      return failed("Failed to load certificate: " + o.cert_file, rc);
    if (int rc = mbedtls_pk_parse_keyfile(&ctx->key_, o.key_file.c_str(), nullptr))
      return failed("Failed to load private key: " + o.key_file, rc);
  }
  if (!o.ca_file.empty()) {
    if (int rc = mbedtls_x509_crt_parse_file(&ctx->ca_, o.ca_file.c_str()))
      return failed("Failed to load CA certificate(s) file: " + o.ca_file, rc);
  } else if (o.verify != TlsOptions::Verify::kNone) {
    error = server ? "Failed to configure TLS: tls-ca-cert-file is required to authenticate "
                     "clients (or set tls-auth-clients no)"
                   : "Failed to configure TLS: a CA file is required to verify the server";
    return nullptr;
  }
  int min_minor = MBEDTLS_SSL_MINOR_VERSION_3;
  if (!protocol_range(o.protocols, min_minor, error)) return nullptr;

  mbedtls_ssl_config* conf = &ctx->conf_;
  if (int rc = mbedtls_ssl_config_defaults(conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                           MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT))
    return failed("Failed to configure TLS", rc);
  mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &ctx->drbg_);
  mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, min_minor);
  // Redis's three tls-auth-clients modes. "optional" is checked after the handshake (a
  // certificate that was sent must be valid), which Mbed TLS's optional mode does not enforce.
  const int authmode = o.verify == TlsOptions::Verify::kNone       ? MBEDTLS_SSL_VERIFY_NONE
                       : o.verify == TlsOptions::Verify::kOptional ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                                                   : MBEDTLS_SSL_VERIFY_REQUIRED;
  mbedtls_ssl_conf_authmode(conf, authmode);
  if (!o.ca_file.empty()) mbedtls_ssl_conf_ca_chain(conf, &ctx->ca_, nullptr);
  if (!o.cert_file.empty())
    if (int rc = mbedtls_ssl_conf_own_cert(conf, &ctx->cert_, &ctx->key_))
      return failed("Failed to use the certificate and key", rc);
  return ctx;
}

const boost::system::error_category& TlsStream::category() {
  static const TlsCategory kCategory;
  return kCategory;
}

TlsStream::TlsStream(asio::ip::tcp::socket& socket, TlsContext& context)
    : socket_(socket), context_(context) {
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_setup(&ssl_, context_.config());
  if (context_.role() == TlsContext::Role::kClient && !context_.server_name().empty())
    mbedtls_ssl_set_hostname(&ssl_, context_.server_name().c_str());
  mbedtls_ssl_set_bio(&ssl_, this, &TlsStream::bio_send, &TlsStream::bio_recv, nullptr);
}

TlsStream::~TlsStream() { mbedtls_ssl_free(&ssl_); }

int TlsStream::bio_send(void* self, const unsigned char* buf, size_t len) {
  static_cast<TlsStream*>(self)->out_.append(reinterpret_cast<const char*>(buf), len);
  return static_cast<int>(len);
}

int TlsStream::bio_recv(void* self, unsigned char* buf, size_t len) {
  auto* s = static_cast<TlsStream*>(self);
  const size_t avail = s->in_.size() - s->in_pos_;
  if (avail == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  const size_t n = std::min(len, avail);
  std::memcpy(buf, s->in_.data() + s->in_pos_, n);
  s->in_pos_ += n;
  if (s->in_pos_ == s->in_.size()) {
    s->in_.clear();
    s->in_pos_ = 0;
  }
  return static_cast<int>(n);
}

void TlsStream::async_handshake(Handler handler) {
  handshake_handler_ = std::move(handler);
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->step_handshake(); });
}

void TlsStream::step_handshake() {
  if (!handshake_handler_) return;
  int rc = mbedtls_ssl_handshake(&ssl_);
  flush();
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return read_socket();
  boost::system::error_code ec;
  if (rc != 0) {
    ec = tls_error(rc);
  } else if (context_.verify() == TlsOptions::Verify::kOptional &&
             mbedtls_ssl_get_peer_cert(&ssl_) && mbedtls_ssl_get_verify_result(&ssl_) != 0) {
    ec = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  }
  std::exchange(handshake_handler_, nullptr)(ec);
}

void TlsStream::async_read_some(char* dst, size_t n, IoHandler handler) {
  read_handler_ = std::move(handler);
  read_dst_ = dst;
  read_n_ = n;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->step_read(); });
}

void TlsStream::step_read() {
  if (!read_handler_) return;
  int rc = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(read_dst_), read_n_);
  flush();  // alerts Mbed TLS may have answered with
  if (rc > 0) return complete_read({}, static_cast<size_t>(rc));
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return read_socket();
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return complete_read(asio::error::eof, 0);
  complete_read(tls_error(rc), 0);
}

void TlsStream::read_socket() {
  if (socket_reading_) return;
  socket_reading_ = true;
  socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](
                                                    const boost::system::error_code& ec, size_t n) {
    self->socket_reading_ = false;
    if (ec) return self->fail_all(ec);
    self->in_.append(self->chunk_, n);
    if (self->handshake_handler_)
      self->step_handshake();
    else
      self->step_read();
  });
}

void TlsStream::async_write(const char* data, size_t n, IoHandler handler) {
  write_handler_ = std::move(handler);
  write_data_ = data;
  write_n_ = n;
  write_done_ = 0;
  if (n == 0) {
    asio::post(socket_.get_executor(),
               [self = shared_from_this()] { self->complete_write({}, 0); });
    return;
  }
  encrypt_more();
}

void TlsStream::encrypt_more() {
  while (write_done_ < write_n_ && out_.size() < kEncryptAhead) {
    const size_t slice = std::min(write_n_ - write_done_, kRecordPlaintext);
    int rc = mbedtls_ssl_write(
        &ssl_, reinterpret_cast<const unsigned char*>(write_data_ + write_done_), slice);
    if (rc < 0) {
      // Reported from the loop, not from inside the caller's async_write.
      asio::post(socket_.get_executor(), [self = shared_from_this(), rc] {
        self->complete_write(tls_error(rc), 0);
      });
      return;
    }
    write_done_ += static_cast<size_t>(rc);
  }
  flush();
}

void TlsStream::flush() {
  if (socket_writing_ || out_.empty()) return;
  socket_writing_ = true;
  sending_.swap(out_);
  out_.clear();
  asio::async_write(socket_, asio::buffer(sending_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->socket_writing_ = false;
                      self->sending_.clear();
                      if (ec) return self->fail_all(ec);
                      self->after_flush();
                    });
}

void TlsStream::after_flush() {
  if (write_handler_) {
    if (write_done_ < write_n_) return encrypt_more();
    // Done once the ciphertext of the last slice has left too.
    if (out_.empty()) return complete_write({}, write_n_);
  }
  flush();
}

void TlsStream::fail_all(const boost::system::error_code& ec) {
  if (handshake_handler_) std::exchange(handshake_handler_, nullptr)(ec);
  if (read_handler_) complete_read(ec, 0);
  if (write_handler_) complete_write(ec, 0);
}

void TlsStream::complete_read(const boost::system::error_code& ec, size_t n) {
  if (read_handler_) std::exchange(read_handler_, nullptr)(ec, n);
}

void TlsStream::complete_write(const boost::system::error_code& ec, size_t n) {
  if (write_handler_) std::exchange(write_handler_, nullptr)(ec, n);
}

}  // namespace eddy::server
