#include "harness/devices/tariffs/tariff_rig.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>

#include "drivers/transport/http/https_client.hpp"
#include "harness/devices/tariffs/in_process_http.hpp"
#include "simulators/mqtt/mosquitto_broker.hpp"
#include "simulators/tariffs/tariff_server.hpp"

namespace evhil::harness {
namespace {

using namespace std::chrono_literals;
namespace tariffs = sim::tariffs;

constexpr double client_timeout_s = 15;

std::string make_folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "evhil-tariff-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot make a folder for the price API's certificates");
    }
    return pattern;
}

}  // namespace

TariffSpec parse_tariff_spec(const ConfigNode& node) {
    node.allow_keys({"provider", "timezone", "resolution", "seed", "base_price", "currency", "hourly", "publish_hour",
                     "feed_in_price", "retry"});
    TariffSpec spec;
    spec.provider = node.required("provider").as_enum({"tibber", "octopus"});
    if (spec.provider == "octopus") {
        spec.prices = tariffs::agile_prices();
        spec.publish_hour = 16;
    }
    spec.prices.timezone = node.get_string("timezone", spec.prices.timezone);
    if (auto resolution = node.optional("resolution")) {
        const auto length = resolution->as_duration(15min, 60min);
        if (length != 15min && length != 30min && length != 60min) {
            resolution->fail("resolution: 15m, 30m or 60m");
        }
        spec.prices.slot_length = length;
    }
    spec.prices.seed = static_cast<std::uint64_t>(node.get_int("seed", 1, 0, 1'000'000'000));
    spec.prices.base_price = node.get_double("base_price", spec.prices.base_price, -100, 1000);
    spec.prices.currency = node.get_string("currency", spec.prices.currency);
    if (auto hourly = node.optional("hourly")) {
        for (const auto& value : hourly->as_list()) {
            spec.prices.hourly_totals.push_back(value.as_double(-1000, 1000));
        }
        if (spec.prices.hourly_totals.size() != 24) {
            hourly->fail(
                fmt::format("hourly: 24 prices, one per local hour; got {}", spec.prices.hourly_totals.size()));
        }
    }
    spec.publish_hour = static_cast<int>(node.get_int("publish_hour", spec.publish_hour, 0, 24));
    if (node.has("feed_in_price")) {
        spec.feed_in_price = node.required("feed_in_price").as_double(-1000, 1000);
    }
    spec.retry = node.get_duration("retry", spec.retry, 1s, 1h);
    try {
        tariffs::PriceGenerator check(spec.prices);
    } catch (const std::invalid_argument& error) {
        node.fail(error.what());
    }
    return spec;
}

struct TariffRig::Impl {
    Impl(Executor& executor, std::string target) : executor(executor), target(std::move(target)) {}

    tariffs::SimAnswer handle(const http::HttpRequest& request) const {
        return tibber ? tibber->handle(request, executor.now()) : octopus->handle(request, executor.now());
    }
    tariffs::TariffFaults& faults() { return tibber ? tibber->faults() : octopus->faults(); }
    double price_now() const {
        const auto& series = feed->series();
        const auto* slot = series ? series->at(executor.now()) : nullptr;
        return slot != nullptr ? slot->price : std::nan("");
    }

    Executor& executor;
    std::string target;
    std::unique_ptr<tariffs::TibberApi> tibber;
    std::unique_ptr<tariffs::OctopusApi> octopus;
    std::string folder;
    std::unique_ptr<tariffs::TariffServer> server;
    std::unique_ptr<http::HttpPort> port;
    std::unique_ptr<prices::PriceFeed> feed;
    double ev_cost = 0;
    double grid_cost = 0;
    double ev_kwh_priced = 0;
    std::map<std::string, tariffs::TariffFault> active;  // by fault name
};

TariffRig::TariffRig(Executor& executor, const std::string& target, const TariffSpec& spec, Rng rng)
    : impl_(std::make_unique<Impl>(executor, target)) {
    auto& impl = *impl_;
    prices::PriceFeedConfig config;
    config.provider = spec.provider;
    config.feed_in_price = spec.feed_in_price;
    config.retry.initial = spec.retry;
    config.retry.maximum = std::max<Duration>(spec.retry, 15min);
    config.https.timeout_s = client_timeout_s;
    if (spec.provider == "tibber") {
        tariffs::TibberSettings settings;
        settings.prices = spec.prices;
        settings.publish_hour = spec.publish_hour;
        impl.tibber = std::make_unique<tariffs::TibberApi>(settings);
        config.tibber.token = settings.token;
        config.tibber.quarter_hourly = spec.prices.slot_length == 15min;
    } else {
        tariffs::OctopusSettings settings;
        settings.prices = spec.prices;
        settings.publish_hour = spec.publish_hour;
        impl.octopus = std::make_unique<tariffs::OctopusApi>(settings);
        config.octopus.product = settings.product;
        config.octopus.tariff = settings.tariff;
    }
    auto handler = [&impl](const http::HttpRequest& request) { return impl.handle(request); };
    if (target == "sim") {
        impl.port = std::make_unique<InProcessHttpPort>(executor, handler, from_seconds(client_timeout_s));
    } else {
        impl.folder = make_folder();
        auto certificates = sim::mqtt::make_test_certificates(impl.folder);
        impl.server = std::make_unique<tariffs::TariffServer>(
            executor,
            tariffs::TariffServerSettings{.cert_file = certificates.server_cert_file,
                                          .key_file = certificates.server_key_file},
            handler);
        impl.server->start();
        if (impl.octopus) {
            impl.octopus->set_base_url(impl.server->base_url());
        }
        config.https.host = "127.0.0.1";
        config.https.port = impl.server->port();
        config.https.ca_file = certificates.ca_file;
        config.tibber.url = impl.server->base_url() + tariffs::TibberApi::path;
        config.octopus.url = impl.server->base_url();
        impl.port = std::make_unique<http::HttpsClient>(executor, config.https);
    }
    impl.feed = std::make_unique<prices::PriceFeed>(executor, *impl.port, prices::make_price_api(config), config,
                                                    rng.fork("price-feed"));
    feed_ = impl.feed.get();
}

TariffRig::~TariffRig() {
    stop();
    if (!impl_->folder.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(impl_->folder, ignored);
    }
}

void TariffRig::stop() {
    impl_->feed->stop();
    if (impl_->server) {
        impl_->server->stop();
    }
}

const std::vector<FaultSpec>& TariffRig::faults() {
    static const std::vector<FaultSpec> faults{
        {.name = "outage",
         .owner = FaultSpec::Owner::device,
         .kind = FaultSpec::Kind::sustained,
         .description = "the price API answers 503 Service Unavailable"},
        {.name = "drop",
         .owner = FaultSpec::Owner::device,
         .kind = FaultSpec::Kind::sustained,
         .description = "the price API closes every connection without an answer"},
        {.name = "slow",
         .owner = FaultSpec::Owner::device,
         .kind = FaultSpec::Kind::sustained,
         .params = {"delay"},
         .parse = [](const ConfigNode& node,
                     Action& action) { action.fault_delay = node.get_duration("delay", 20s, 1ms, 10min); },
         .description = "the price API answers `delay` late (20 s: past the client's 15 s timeout)"},
        {.name = "malformed",
         .owner = FaultSpec::Owner::device,
         .kind = FaultSpec::Kind::sustained,
         .description = "the price API answers 200 with half its JSON"},
    };
    return faults;
}

bool TariffRig::set_fault(const Action& action, bool on) {
    tariffs::TariffFault fault;
    fault.start = impl_->executor.now();
    fault.duration = std::chrono::hours(24 * 366);  // until switched off
    if (action.fault == "outage") {
        fault.kind = tariffs::TariffFaultKind::outage;
    } else if (action.fault == "drop") {
        fault.kind = tariffs::TariffFaultKind::outage;
        fault.drop_connection = true;
    } else if (action.fault == "slow") {
        fault.kind = tariffs::TariffFaultKind::slow;
        fault.delay = action.fault_delay;
    } else if (action.fault == "malformed") {
        fault.kind = tariffs::TariffFaultKind::malformed;
    } else {
        return false;
    }
    // One fault ending leaves the others on: one that ends at the instant the next begins hands over to it.
    if (on) {
        impl_->active[action.fault] = fault;
    } else {
        impl_->active.erase(action.fault);
    }
    auto& faults = impl_->faults();
    faults.clear();
    for (const auto& [name, active] : impl_->active) {
        faults.add(active);
    }
    return true;
}

void TariffRig::step(Duration dt, double chargers_w, double grid_import_w) {
    const double price = impl_->price_now();
    if (std::isnan(price)) {
        return;
    }
    const double hours = to_seconds(dt) / 3600;
    impl_->ev_cost += chargers_w / 1000 * hours * price;
    impl_->ev_kwh_priced += chargers_w / 1000 * hours;
    impl_->grid_cost += std::max(0.0, grid_import_w) / 1000 * hours * price;
}

void TariffRig::add_signals(const SignalAdder& add) {
    auto& impl = *impl_;
    add("prices.price", "", [&impl] { return impl.price_now(); });
    add("prices.missing", "", [&impl] { return impl.feed->prices(impl.executor.now()).missing ? 1.0 : 0.0; });
    add("prices.fetches", "", [&impl] { return static_cast<double>(impl.feed->fetches()); });
    add("prices.failures", "", [&impl] { return static_cast<double>(impl.feed->failures()); });
    add("prices.ev_cost", "", [&impl] { return impl.ev_cost; });
    add("prices.grid_cost", "", [&impl] { return impl.grid_cost; });
    // What the chargers paid per kWh on average, against the average of every price the feed knows.
    add("prices.ev_average", "",
        [&impl] { return impl.ev_kwh_priced > 0 ? impl.ev_cost / impl.ev_kwh_priced : std::nan(""); });
    add("prices.average", "", [&impl] {
        const auto& series = impl.feed->series();
        return series && !series->empty() ? series->average() : std::nan("");
    });
}

std::map<std::string, double> TariffRig::metrics() const {
    return {{"prices.fetches", static_cast<double>(impl_->feed->fetches())},
            {"prices.failures", static_cast<double>(impl_->feed->failures())},
            {"prices.ev_cost", impl_->ev_cost},
            {"prices.grid_cost", impl_->grid_cost}};
}

}  // namespace evhil::harness
