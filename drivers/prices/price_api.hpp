#pragma once
// One price API as the price feed uses it: how to ask it for today's and tomorrow's prices over an HttpPort, and how
// to read its answer. tibber_prices.hpp and octopus_prices.hpp implement it; price_feed.hpp caches and retries.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "drivers/control/prices.hpp"
#include "drivers/transport/http/http_port.hpp"

namespace evhil::prices {

// Shared and kept alive by its own requests (shared_from_this): an answer that arrives after the feed that asked is
// gone still finds the client it parses with; the feed's own guard then drops it.
class PriceApi : public std::enable_shared_from_this<PriceApi> {
public:
    // Exactly one of the two: the prices, or one line saying what went wrong ("HTTP 401: invalid token").
    using Done = std::function<void(std::optional<control::PriceSeries> prices, std::string error)>;
    virtual ~PriceApi() = default;
    virtual std::string name() const = 0;  // "Tibber", "Octopus"
    virtual void fetch(http::HttpPort& port, TimePoint now, Done done) = 0;
};

// "2026-06-21T13:00:00.000+02:00" or "2025-01-01T23:30:00Z"; nullopt for anything else.
std::optional<TimePoint> parse_iso8601(const std::string& text);

}  // namespace evhil::prices
