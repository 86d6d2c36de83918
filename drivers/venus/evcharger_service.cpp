#include "drivers/venus/evcharger_service.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "drivers/station/user_commands.hpp"

namespace evhil::venus {
namespace {

using TextFunction = std::function<std::string(const std::string&, const BusValue&)>;

TextFunction unit_text(const char* format) {
    return [format](const std::string&, const BusValue& value) {
        double number = 0;
        return as_number(value, number) ? fmt::format(fmt::runtime(format), number) : python_str(value);
    };
}

TextFunction table_text(std::vector<std::string> names) {
    return [names = std::move(names)](const std::string&, const BusValue& value) {
        const auto* index = std::get_if<std::int64_t>(&value);
        if (index != nullptr && *index >= 0 && static_cast<std::size_t>(*index) < names.size()) {
            return names[static_cast<std::size_t>(*index)];
        }
        return python_str(value);
    };
}

BusValue number_or_invalid(bool valid, double value) {
    return valid && std::isfinite(value) ? BusValue{value} : BusValue{Invalid{}};
}

BusValue text_or_invalid(const std::string& text) {
    return text.empty() ? BusValue{Invalid{}} : BusValue{text};
}

std::string default_product_name(const station::Station::Charger& charger) {
    std::string type = charger.config.type;
    if (!type.empty()) {
        type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
    }
    const auto& model = charger.driver->status().model;
    return model.empty() ? type + " EV charger" : type + " " + model;
}

std::string connection_text(const station::Station::Charger& charger) {
    std::string text = charger.config.type;
    if (charger.config.endpoint && charger.config.endpoint->is_map()) {
        const auto& endpoint = *charger.config.endpoint;
        auto host = endpoint.get_string("host", "");
        if (!host.empty()) {
            text += " at " + host;
            if (endpoint.has("port")) {
                text += ":" + endpoint.required("port").as_string();
            }
        }
    }
    return text;
}

}  // namespace

const char* status_text(int status) {
    switch (status) {
        case 0:
            return "Disconnected";
        case 1:
            return "Connected";
        case 2:
            return "Charging";
        case 3:
            return "Charged";
        case 4:
            return "Waiting for sun";
        case 5:
            return "Waiting for RFID";
        case 6:
            return "Waiting for start";
        case 7:
            return "Low SOC";
        default:
            return "Unknown";
    }
}

EvcsStatus evcs_status(const station::Station::Charger& charger) {
    using chargers::VehicleState;
    const auto& status = charger.driver->status();
    bool reachable = charger.driver->health().state == chargers::DriverState::running && status.valid;
    if (!reachable) {
        return EvcsStatus::disconnected;
    }
    // A controller that keeps a plugged-in car from charging says why: Waiting for sun, Waiting for start, Low SOC.
    const bool plugged_in =
        status.vehicle == VehicleState::B || status.vehicle == VehicleState::C || status.vehicle == VehicleState::D;
    if (plugged_in && !status.charging && charger.decision.status != control::ShownStatus::none) {
        return static_cast<EvcsStatus>(charger.decision.status);
    }
    switch (status.vehicle) {
        case VehicleState::C:
        case VehicleState::D:
            return status.charging ? EvcsStatus::charging : EvcsStatus::connected;
        case VehicleState::B:
            if (!charger.user.enabled) {
                return EvcsStatus::waiting_for_start;
            }
            // Plugged in, allowed, not drawing: full (or paused by the car) once it has charged in this session.
            return charger.driver->session().active && charger.driver->session().energy_wh > 0 ? EvcsStatus::charged
                                                                                               : EvcsStatus::connected;
        case VehicleState::E:
        case VehicleState::F:
            // No Evcs_Status code names a generic pilot fault (E) or station error (F); Connected with
            // /Connected 1 is the least misleading of the codes the GUI knows. UNCONFIRMED choice.
            return EvcsStatus::connected;
        case VehicleState::A:
        case VehicleState::unknown:
            break;
    }
    return EvcsStatus::disconnected;
}

EvchargerService::EvchargerService(VenusBus& bus, station::Station& station, std::string charger_id,
                                   EvchargerSettings settings, std::string process_version)
    : bus_(bus),
      station_(station),
      charger_id_(std::move(charger_id)),
      settings_(std::move(settings)),
      process_version_(std::move(process_version)),
      position_(static_cast<int>(settings_.position)) {
    charger();  // throws std::out_of_range for an id the station does not have
    add_items();
    // The station may outlive the service: the listener checks that the service is still there.
    auto follow = [this, alive = std::weak_ptr<int>(alive_)](const station::Station::Charger& changed) {
        if (!alive.expired() && changed.config.id == charger_id_) {
            refresh();
        }
    };
    station_.on_status(follow);
    station_.on_user_change(follow);
    refresh();
}

EvchargerService::~EvchargerService() {
    withdraw();  // the bus lets go of the tree before it goes
}

const station::Station::Charger& EvchargerService::charger() const {
    const auto* found = station_.find(charger_id_);
    if (found == nullptr) {
        throw std::out_of_range("no charger '" + charger_id_ + "' in the station");
    }
    return *found;
}

void EvchargerService::add_writeable(const std::string& path, BusValue initial, ValueKind kind,
                                     std::function<bool(const BusValue&)> apply, TextFunction text) {
    ItemSpec spec;
    spec.text = std::move(text);
    spec.value = std::move(initial);
    spec.writeable = true;
    spec.kind = kind;
    spec.on_write = [apply = std::move(apply)](const std::string&, const BusValue& value) { return apply(value); };
    tree_.add(path, std::move(spec));
}

void EvchargerService::add_items() {
    const auto& c = charger();
    auto leaf = [this](const std::string& path, BusValue value, TextFunction text = {}) {
        ItemSpec spec;
        spec.value = std::move(value);
        spec.text = std::move(text);
        tree_.add(path, std::move(spec));
    };
    // Mandatory paths (velib's add_mandatory_paths) and the generic ones.
    leaf("/Mgmt/ProcessName", std::string("evchargerd"));
    leaf("/Mgmt/ProcessVersion", process_version_);
    leaf("/Mgmt/Connection", connection_text(c));
    leaf("/DeviceInstance", std::int64_t{settings_.device_instance});
    leaf("/ProductId", std::int64_t{settings_.product_id});
    leaf("/ProductName", Invalid{});
    leaf("/FirmwareVersion", Invalid{});
    leaf("/HardwareVersion", Invalid{});
    leaf("/Serial", Invalid{});
    leaf("/Connected", std::int64_t{0});
    leaf("/Model", Invalid{});
    // Measurements.
    auto watts = unit_text("{:.0f} W");
    leaf("/Ac/Power", Invalid{}, watts);
    for (const char* phase : {"L1", "L2", "L3"}) {
        leaf(fmt::format("/Ac/{}/Power", phase), Invalid{}, watts);
    }
    leaf("/Ac/Energy/Forward", Invalid{}, unit_text("{:.2f} kWh"));
    leaf("/Current", Invalid{}, unit_text("{:.1f} A"));
    leaf("/Status", std::int64_t{0}, [](const std::string&, const BusValue& value) {
        const auto* code = std::get_if<std::int64_t>(&value);
        return code != nullptr ? std::string(status_text(static_cast<int>(*code))) : python_str(value);
    });
    leaf("/Session/Energy", Invalid{}, unit_text("{:.2f} kWh"));
    leaf("/Session/Time", Invalid{}, unit_text("{:.0f} s"));
    leaf("/ChargingTime", Invalid{}, unit_text("{:.0f} s"));  // deprecated, but older GUIs read it
    // Controls.
    add_writeable(
        "/Mode", std::int64_t{0}, ValueKind::integer,
        [this](const BusValue& v) {
            const auto mode = std::get_if<std::int64_t>(&v);
            return mode != nullptr && station::UserCommands(station_).set_mode(charger_id_, *mode).ok();
        },
        table_text({"Manual", "Auto", "Scheduled"}));
    add_writeable(
        "/StartStop", std::int64_t{0}, ValueKind::integer,
        [this](const BusValue& v) {
            const auto on = std::get_if<std::int64_t>(&v);
            return on != nullptr && (*on == 0 || *on == 1) &&
                   station::UserCommands(station_).set_enabled(charger_id_, *on == 1).ok();
        },
        table_text({"Stop", "Start"}));
    add_writeable(
        "/SetCurrent", 0.0, ValueKind::number,
        [this](const BusValue& v) {
            double amps = 0;
            return as_number(v, amps) && station::UserCommands(station_).set_current(charger_id_, amps).ok();
        },
        unit_text("{:.1f} A"));
    add_writeable("/MaxCurrent", 0.0, ValueKind::number, [this](const BusValue& v) {
        double amps = 0;
        return as_number(v, amps) && station::UserCommands(station_).set_max_current(charger_id_, amps).ok();
    });
    add_writeable("/CustomName", std::string(), ValueKind::text, [this](const BusValue& v) {
        const auto* name = std::get_if<std::string>(&v);
        return name != nullptr && station_.set_custom_name(charger_id_, *name);
    });
    add_writeable(
        "/Position", std::int64_t{position_}, ValueKind::integer,
        [this](const BusValue& v) {
            const auto position = std::get_if<std::int64_t>(&v);
            if (position == nullptr || (*position != 0 && *position != 1)) {
                return false;
            }
            position_ = static_cast<int>(*position);
            return true;
        },
        table_text({"AC output", "AC input"}));
}

void EvchargerService::refresh() {
    const auto& c = charger();
    const auto& status = c.driver->status();
    const auto& session = c.driver->session();
    const bool reachable = c.driver->health().state == chargers::DriverState::running && status.valid;
    auto batch = tree_.batch();
    tree_.set("/Connected", std::int64_t{reachable ? 1 : 0});
    tree_.set("/ProductName", settings_.product_name.empty() ? default_product_name(c) : settings_.product_name);
    tree_.set("/FirmwareVersion", text_or_invalid(status.firmware));
    tree_.set("/Serial", text_or_invalid(status.serial));
    tree_.set("/Model", text_or_invalid(status.model));
    tree_.set("/Ac/Power", number_or_invalid(reachable, status.power_w));
    static const char* const phase_paths[] = {"/Ac/L1/Power", "/Ac/L2/Power", "/Ac/L3/Power"};
    double current = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        tree_.set(phase_paths[i], number_or_invalid(reachable, status.phases.at(i).power_w));
        current = std::max(current, status.phases.at(i).current_a);
    }
    tree_.set("/Ac/Energy/Forward", number_or_invalid(reachable, status.energy_wh / 1000.0));
    tree_.set("/Current", number_or_invalid(reachable, current));
    tree_.set("/Status", std::int64_t{static_cast<int>(evcs_status(c))});
    const double session_wh = session.active ? session.energy_wh : session.last_energy_wh;
    const double session_s = session.active ? session.duration_s : session.last_duration_s;
    tree_.set("/Session/Energy", BusValue{session_wh / 1000.0});
    tree_.set("/Session/Time", BusValue{std::round(session_s)});
    tree_.set("/ChargingTime", BusValue{std::round(session_s)});
    // The controls read back what the station holds, clamped where the limiter clamps.
    const auto& user = c.user;
    const double ceiling = std::min(c.command.ceiling_a, user.max_current_a);
    tree_.set("/Mode", std::int64_t{static_cast<int>(user.mode)});
    tree_.set("/StartStop", std::int64_t{user.enabled ? 1 : 0});
    tree_.set("/SetCurrent", BusValue{std::isfinite(ceiling) ? std::min(user.current_a, ceiling) : user.current_a});
    const double max_current =
        std::isfinite(user.max_current_a)
            ? user.max_current_a
            : (std::isfinite(c.command.ceiling_a) ? c.command.ceiling_a
                                                  : station_.config().controller.manual.max_current_a);
    tree_.set("/MaxCurrent", BusValue{max_current});
    tree_.set("/CustomName", user.custom_name);
    tree_.set("/Position", std::int64_t{position_});
}

void EvchargerService::publish(VenusBus::Done done) {
    refresh();
    bus_.publish(bus_name(), tree_, std::move(done));
}

void EvchargerService::withdraw() {
    bus_.withdraw(bus_name());
}

}  // namespace evhil::venus
