#include "drivers/web/web_service.hpp"

#include "drivers/core/log.hpp"

namespace evhil::web {

WebService::WebService(Executor& executor, station::Station& station, WebSettings settings,
                       std::optional<ConfigHooks> config, TlsFactory tls)
    : executor_(executor),
      station_(station),
      settings_(std::move(settings)),
      tls_(std::move(tls)),
      history_(settings_.history),
      events_(executor, [this] { return api_.status_text(); }),
      config_(config ? std::make_unique<ConfigApi>(std::move(*config)) : nullptr),
      api_(WebApiParts{executor, station, settings_, history_, events_, costs_, config_.get()}),
      server_(executor, HttpServerLimits{.body_bytes = settings_.max_body_bytes},
              [this](const Request& request, const Peer& peer) { return api_.handle(request, peer); }) {
    station_.on_status([this](const station::Station::Charger& charger) { on_charger(charger); });
    station_.on_user_change([this](const station::Station::Charger&) { events_.changed(); });
}

WebService::~WebService() {
    stop();
}

void WebService::start() {
    if (settings_.tls) {
        if (!tls_) {
            throw std::runtime_error("web: tls: is configured but this program has no TLS for the web UI");
        }
        server_.set_starter(tls_(*settings_.tls));
    }
    server_.listen(settings_.host, settings_.port);
    if (!ticking_) {
        ticking_ = true;
        tick_timer_ = executor_.schedule_every(std::chrono::seconds(1), [this] { tick(); });
    }
    const bool v6 = settings_.host.find(':') != std::string::npos;
    log::get("web")->info("web UI on {}://{}{}{}:{}/{}", settings_.tls ? "https" : "http", v6 ? "[" : "",
                          settings_.host, v6 ? "]" : "", server_.port(),
                          settings_.has_credentials() ? " (log-in required)" : "");
}

void WebService::stop() {
    if (ticking_) {
        executor_.cancel(tick_timer_);
        ticking_ = false;
    }
    events_.close_all();
    server_.stop();
}

namespace {

bool reachable(const station::Station::Charger& charger) {
    return charger.driver->status().valid && charger.driver->health().state == chargers::DriverState::running;
}

}  // namespace

void WebService::tick() {
    for (const auto& charger : station_.chargers()) {
        const bool now_reachable = reachable(charger);
        auto [known, inserted] = reachable_.emplace(charger.config.id, now_reachable);
        if (!inserted && known->second != now_reachable) {
            known->second = now_reachable;
            events_.changed();
        }
        if (!now_reachable) {
            on_charger(charger);  // no refreshes while it is away: its samples (at 0 A) come from here
        }
    }
}

void WebService::on_charger(const station::Station::Charger& charger) {
    const auto now = executor_.now();
    const auto& status = charger.driver->status();
    HistorySample sample;
    sample.at = now;
    const bool reachable = web::reachable(charger);
    if (reachable) {
        sample.power_w = status.power_w;
        for (std::size_t i = 0; i < 3; ++i) {
            sample.current_a[i] = status.phases.at(i).current_a;
        }
    }
    sample.allowed_a = charger.command.current_a;
    sample.station_max_a = status.station_max_current_a;
    history_.record(charger.config.id, sample);
    costs_.update(station_, charger, now);
    events_.changed();
}

}  // namespace evhil::web
