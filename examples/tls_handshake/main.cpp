// synack-tls-handshake: the client side of a TLS 1.3 handshake skeleton on synack's
// table engine, run through the RFC 8446 flows (full, PSK, HelloRetryRequest, client
// certificate) and through the failures its guards catch. Prints each transition.
//   synack-tls-handshake [--mermaid | --dot]
#include "tls_handshake.hpp"

#include <synack/core/diagram.hpp>

#include <cstdio>
#include <cstring>
#include <string_view>

namespace {
struct print_transition {
    void operator()(std::string_view from, std::string_view event, std::string_view to) const {
        std::printf("    %-13.*s --%.*s--> %.*s\n", static_cast<int>(from.size()), from.data(),
                    static_cast<int>(event.size()), event.data(), static_cast<int>(to.size()), to.data());
    }
};

template <class... Messages>
bool run(const char* title, bool expect_connected, tls::alert expect_alert, Messages... messages) {
    std::printf("%s\n", title);
    auto m = synack::core::make_machine(tls::table, tls::client{}, print_transition{});
    (m.process(messages), ...);
    const bool ok = m.is<tls::connected>() == expect_connected && m.context().sent == expect_alert;
    const std::string_view state = m.state_name();
    std::printf("  -> %.*s%s\n", static_cast<int>(state.size()), state.data(), ok ? "" : "   UNEXPECTED");
    return ok;
}
} // namespace

int main(int argc, char** argv) {
    using namespace tls;
    if (argc > 1) {
        const auto format = std::strcmp(argv[1], "--dot") == 0 ? synack::core::diagram_format::dot
                                                               : synack::core::diagram_format::mermaid;
        synack::core::write_diagram(table, format, [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); },
                                    "TLS 1.3 client handshake");
        return 0;
    }
    bool ok = true;
    ok &= run("full handshake (RFC 8446 2):", true, alert::none, connect{}, server_hello{}, encrypted_extensions{},
              certificate{}, certificate_verify{}, finished{});
    ok &= run("resumption with a PSK (RFC 8446 2.2):", true, alert::none, connect{}, server_hello{true},
              encrypted_extensions{}, finished{});
    ok &= run("HelloRetryRequest, then a full handshake (RFC 8446 2.1):", true, alert::none, connect{},
              hello_retry_request{}, server_hello{}, encrypted_extensions{}, certificate{}, certificate_verify{}, finished{});
    ok &= run("server asks for a client certificate (RFC 8446 4.3.2):", true, alert::none, connect{}, server_hello{},
              encrypted_extensions{}, certificate_request{}, certificate{}, certificate_verify{}, finished{});
    ok &= run("a second HelloRetryRequest is fatal (RFC 8446 4.1.4):", false, alert::unexpected_message, connect{},
              hello_retry_request{}, hello_retry_request{});
    ok &= run("a bad CertificateVerify signature (RFC 8446 4.4.3):", false, alert::decrypt_error, connect{},
              server_hello{}, encrypted_extensions{}, certificate{}, certificate_verify{false});
    ok &= run("Finished out of order:", false, alert::unexpected_message, connect{}, server_hello{}, finished{});
    ok &= run("an orderly close after the handshake:", false, alert::close_notify, connect{}, server_hello{true},
              encrypted_extensions{}, finished{}, close_notify{});
    std::printf("%s\n", ok ? "every flow ended as RFC 8446 says" : "FAILED");
    return ok ? 0 : 1;
}
