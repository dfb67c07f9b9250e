#pragma once
// The client side of a TLS 1.3 handshake (RFC 8446, Appendix A.1), as a skeleton: the
// states and messages of the real state machine, with guards where the RFC decides on
// a message's content (a second HelloRetryRequest, PSK or certificate authentication,
// a bad signature or Finished). No cryptography: the messages carry the verdicts.
#include <synack/core/machine.hpp>
#include <synack/core/verify.hpp>

#include <cstdint>

namespace tls {
using namespace synack::core;

// ---- States (RFC 8446 A.1 names them START, WAIT_SH, ...) ----
struct start {}; struct wait_sh {}; struct wait_ee {}; struct wait_cert_cr {}; struct wait_cert {};
struct wait_cv {}; struct wait_finished {}; struct connected {}; struct closed {};

// ---- Events: what the application asks, and the handshake messages received ----
struct connect {};                                   // the application opens the connection
struct hello_retry_request {};                       // the server asks for another ClientHello (RFC 8446 4.1.4)
struct server_hello { bool psk_accepted = false; };  // ServerHello; with a PSK the server skips certificates
struct encrypted_extensions {};
struct certificate_request {};
struct certificate { bool empty = false; };          // Certificate (an empty one is a decode error for the client, RFC 8446 4.4.2.4)
struct certificate_verify { bool signature_valid = true; };
struct finished { bool verify_data_valid = true; };
struct close_notify {};                              // either side closes (RFC 8446 6.1)

// What the client did and knows; the actions write here.
enum class alert : std::uint8_t { none, unexpected_message, decode_error, decrypt_error, close_notify };

struct client {
    std::uint32_t client_hellos = 0; // ClientHellos sent (the second answers a HelloRetryRequest)
    bool psk = false;                // the server accepted our pre-shared key: no certificate
    bool certificate_requested = false;
    bool sent_certificate = false;   // our (possibly empty) Certificate, sent before our Finished when requested
    bool sent_finished = false;
    alert sent = alert::none;        // the alert we sent on closing, if any
};

// Guards decide on the message; they see the client and the event.
inline constexpr auto first_retry = [](const client& c) { return c.client_hellos == 1; }; // RFC 8446 4.1.4: at most one HRR
inline constexpr auto psk_mode = [](const client& c) { return c.psk; };
inline constexpr auto non_empty = [](const client&, const certificate& m) { return !m.empty; };
inline constexpr auto signature_ok = [](const client&, const certificate_verify& m) { return m.signature_valid; };
inline constexpr auto finished_ok = [](const client&, const finished& m) { return m.verify_data_valid; };

inline constexpr auto send_client_hello = [](client& c) { ++c.client_hellos; };
inline constexpr auto note_server_hello = [](client& c, const server_hello& m) { c.psk = m.psk_accepted; };
inline constexpr auto note_request = [](client& c) { c.certificate_requested = true; };
inline constexpr auto send_finished = [](client& c) {
    c.sent_certificate = c.certificate_requested;
    c.sent_finished = true;
};
inline constexpr auto alert_with = [](alert a) { return [a](client& c) { c.sent = a; }; };

inline constexpr auto table = make_transition_table(
    states<start, wait_sh, wait_ee, wait_cert_cr, wait_cert, wait_cv, wait_finished, connected, closed>,
    events<connect, hello_retry_request, server_hello, encrypted_extensions, certificate_request, certificate,
           certificate_verify, finished, close_notify>,
    terminal<closed>,
    state<start> + event<connect> / send_client_hello = state<wait_sh>,
    state<start> + any_event = ignore, // nothing was sent: stray bytes mean nothing yet

    state<wait_sh> + event<hello_retry_request> [first_retry] / send_client_hello = state<wait_sh>,
    state<wait_sh> + event<hello_retry_request> / alert_with(alert::unexpected_message) = state<closed>,
    state<wait_sh> + event<server_hello> / note_server_hello = state<wait_ee>,

    // With a PSK, EncryptedExtensions leads straight to the server's Finished.
    state<wait_ee> + event<encrypted_extensions> [psk_mode] = state<wait_finished>,
    state<wait_ee> + event<encrypted_extensions> = state<wait_cert_cr>,

    state<wait_cert_cr> + event<certificate_request> / note_request = state<wait_cert>,
    state<wait_cert_cr> + event<certificate> [non_empty] = state<wait_cv>,
    state<wait_cert_cr> + event<certificate> / alert_with(alert::decode_error) = state<closed>,
    state<wait_cert> + event<certificate> [non_empty] = state<wait_cv>,
    state<wait_cert> + event<certificate> / alert_with(alert::decode_error) = state<closed>,

    state<wait_cv> + event<certificate_verify> [signature_ok] = state<wait_finished>,
    state<wait_cv> + event<certificate_verify> / alert_with(alert::decrypt_error) = state<closed>,

    state<wait_finished> + event<finished> [finished_ok] / send_finished = state<connected>,
    state<wait_finished> + event<finished> / alert_with(alert::decrypt_error) = state<closed>,

    state<connected> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<connected> + any_event / alert_with(alert::unexpected_message) = state<closed>,

    // Any other message in the middle of the handshake is fatal (RFC 8446 6.2): a peer
    // closing early gets our close_notify, anything else an unexpected_message alert.
    state<wait_sh> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<wait_ee> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<wait_cert_cr> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<wait_cert> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<wait_cv> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<wait_finished> + event<close_notify> / alert_with(alert::close_notify) = state<closed>,
    state<wait_sh> + any_event / alert_with(alert::unexpected_message) = state<closed>,
    state<wait_ee> + any_event / alert_with(alert::unexpected_message) = state<closed>,
    state<wait_cert_cr> + any_event / alert_with(alert::unexpected_message) = state<closed>,
    state<wait_cert> + any_event / alert_with(alert::unexpected_message) = state<closed>,
    state<wait_cv> + any_event / alert_with(alert::unexpected_message) = state<closed>,
    state<wait_finished> + any_event / alert_with(alert::unexpected_message) = state<closed>,

    state<closed> + any_event = ignore);

// Deterministic (every second row of a cell follows a guarded one), every state
// reachable, every state able to close, every cell declared.
static_assert(static_assert_verified<table>());

} // namespace tls
