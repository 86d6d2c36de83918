#pragma once
// What the Modbus TCP server, the client and the recording tap share on the socket side: how a listener is
// opened and how a socket is closed (the MBAP framing is in tcp_adu.hpp). Internal to the Modbus transport.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace evhil::modbus::tcp_util {

// After an accept error (e.g. out of file descriptors) wait a little rather than spin.
inline constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

// Resolves `host` (numeric or a name), binds with SO_REUSEADDR (a restarted simulator can take its port back
// while old connections sit in TIME_WAIT) and listens. Returns the bound port, the ephemeral one for port 0.
// Throws std::runtime_error("cannot listen on HOST:PORT: reason") and leaves the acceptor closed on failure.
std::uint16_t open_listener(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor& acceptor,
                            const std::string& host, std::uint16_t port);

void close_socket(boost::asio::ip::tcp::socket& socket);

}  // namespace evhil::modbus::tcp_util
