#include "drivers/prices/price_feed.hpp"

#include <date/date.h>
#include <fmt/format.h>

#include "drivers/core/log.hpp"

namespace evhil::prices {
namespace {

// Never ask more often than this, whatever the slots say (a boundary just passed, a clock step).
constexpr Duration minimum_refresh = std::chrono::seconds(5);

std::string clock_time(TimePoint t) {
    return date::format("%H:%M UTC", date::floor<std::chrono::minutes>(t));
}

}  // namespace

PriceFeedConfig parse_price_feed_config(const ConfigNode& node) {
    node.allow_keys({"provider", "url", "token", "home_id", "resolution", "product", "tariff", "ca_file", "insecure",
                     "timeout", "retry", "feed_in_price"});
    PriceFeedConfig config;
    config.provider = node.required("provider").as_enum({"tibber", "octopus"});
    std::string url;
    if (config.provider == "tibber") {
        auto token = node.required("token");
        config.tibber.token = token.as_string();
        if (config.tibber.token.empty()) {
            token.fail("the Tibber token is empty (developer.tibber.com gives one)");
        }
        config.tibber.home_id = node.get_string("home_id", "");
        config.tibber.quarter_hourly =
            node.optional("resolution") &&
            node.required("resolution").as_enum({"hourly", "quarter_hourly"}) == "quarter_hourly";
        config.tibber.url = node.get_string("url", config.tibber.url);
        url = config.tibber.url;
    } else {
        for (const char* key : {"token", "home_id", "resolution"}) {
            if (node.has(key)) {
                node.required(key).fail(std::string(key) + " is a Tibber setting; Octopus takes product and tariff");
            }
        }
        config.octopus.product = node.get_string("product", config.octopus.product);
        config.octopus.tariff = node.get_string("tariff", config.octopus.tariff);
        config.octopus.url = node.get_string("url", config.octopus.url);
        url = config.octopus.url;
    }
    try {
        auto endpoint = http::parse_https_url(url);
        config.https.host = endpoint.host;
        config.https.port = endpoint.port;
    } catch (const std::invalid_argument& error) {
        (node.has("url") ? node.required("url") : node).fail(error.what());
    }
    config.https.ca_file = node.get_string("ca_file", "");
    config.https.insecure = node.get_bool("insecure", false);
    config.https.timeout_s = to_seconds(
        node.get_duration("timeout", std::chrono::seconds(15), std::chrono::seconds(1), std::chrono::minutes(2)));
    config.retry.initial =
        node.get_duration("retry", config.retry.initial, std::chrono::seconds(1), std::chrono::hours(1));
    config.retry.maximum = std::max(config.retry.maximum, config.retry.initial);
    if (node.has("feed_in_price")) {
        config.feed_in_price = node.required("feed_in_price").as_double(-1e6, 1e6);
    }
    return config;
}

std::shared_ptr<PriceApi> make_price_api(const PriceFeedConfig& config) {
    if (config.provider == "tibber") {
        return std::make_shared<TibberPrices>(config.tibber);
    }
    return std::make_shared<OctopusPrices>(config.octopus);
}

PriceFeed::PriceFeed(Executor& executor, http::HttpPort& port, std::shared_ptr<PriceApi> api,
                     const PriceFeedConfig& config, Rng rng)
    : executor_(executor),
      port_(port),
      api_(std::move(api)),
      feed_in_price_(config.feed_in_price),
      backoff_(config.retry, rng) {}

PriceFeed::~PriceFeed() {
    stop();
}

void PriceFeed::start() {
    if (running_) {
        return;
    }
    running_ = true;
    fetch();
}

void PriceFeed::stop() {
    running_ = false;
    if (timer_ != 0) {
        executor_.cancel(timer_);
        timer_ = 0;
    }
}

void PriceFeed::schedule(Duration delay) {
    if (timer_ != 0) {
        executor_.cancel(timer_);
    }
    timer_ = executor_.schedule_after(delay, [this] {
        timer_ = 0;
        fetch();
    });
}

void PriceFeed::fetch() {
    if (!running_ || in_flight_) {
        return;
    }
    in_flight_ = true;
    ++fetches_;
    api_->fetch(port_, executor_.now(),
                [this, alive = std::weak_ptr<bool>(alive_)](std::optional<control::PriceSeries> series,
                                                            const std::string& error) {
                    if (alive.expired()) {
                        return;
                    }
                    in_flight_ = false;
                    on_answer(std::move(series), error);
                });
}

void PriceFeed::on_answer(std::optional<control::PriceSeries> series, const std::string& error) {
    const TimePoint now = executor_.now();
    if (series) {
        if (last_error_) {
            log::get("prices")->info("{}: prices again, {} slots until {}", api_->name(), series->slots().size(),
                                     clock_time(series->known_until()));
        }
        series_ = std::move(series);
        last_error_.reset();
        failing_since_.reset();
        backoff_.reset();
        auto boundary = series_->next_boundary(now);
        if (running_) {
            schedule(std::max(boundary ? *boundary - now : std::chrono::minutes(15), minimum_refresh));
        }
        return;
    }
    ++failures_;
    if (!failing_since_) {
        failing_since_ = now;
        log::get("prices")->warn("{}: {}", api_->name(), error);
    }
    last_error_ = fmt::format("{}: {} since {}", api_->name(), error, clock_time(*failing_since_));
    if (running_) {
        schedule(backoff_.next_delay());
    }
}

control::PriceInputs PriceFeed::prices(TimePoint now) const {
    control::PriceInputs inputs;
    inputs.feed_in_price = feed_in_price_;
    inputs.import = series_ ? &*series_ : nullptr;
    static const control::PriceSeries none;
    if (!series_) {
        inputs.import = &none;
        inputs.missing = true;
        inputs.missing_why = last_error_.value_or(api_->name() + ": no answer yet");
    } else if (series_->at(now) == nullptr) {
        inputs.missing = true;
        inputs.missing_why = last_error_.value_or(api_->name() + ": no price known for now");
    }
    return inputs;
}

}  // namespace evhil::prices
