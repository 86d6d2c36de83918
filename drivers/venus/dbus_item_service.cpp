#include "drivers/venus/dbus_item_service.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include <sdbus-c++/sdbus-c++.h>

#include "drivers/core/log.hpp"

namespace evhil::venus {
namespace {

using VariantDict = std::map<std::string, sdbus::Variant>;

VariantDict change_dict(const ItemState& state) {
    return VariantDict{{"Value", to_variant(state.value)}, {"Text", sdbus::Variant(state.text)}};
}

template <typename T>
std::optional<BusValue> empty_array_or_nothing(const sdbus::Variant& variant) {
    if (variant.get<std::vector<T>>().empty()) {
        return BusValue{Invalid{}};
    }
    return std::nullopt;  // a list: no item of ours holds one
}

}  // namespace

sdbus::Variant to_variant(const BusValue& value) {
    return std::visit(
        [](const auto& v) -> sdbus::Variant {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Invalid>) {
                return sdbus::Variant(std::vector<std::int32_t>{});
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                if (v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max()) {
                    return sdbus::Variant(static_cast<std::int32_t>(v));
                }
                return sdbus::Variant(v);
            } else {
                return sdbus::Variant(v);
            }
        },
        value);
}

std::optional<BusValue> from_variant(const sdbus::Variant& variant) {
    const std::string type = variant.peekValueType();
    if (type == "y") {
        return BusValue{std::int64_t{variant.get<std::uint8_t>()}};
    }
    if (type == "n") {
        return BusValue{std::int64_t{variant.get<std::int16_t>()}};
    }
    if (type == "q") {
        return BusValue{std::int64_t{variant.get<std::uint16_t>()}};
    }
    if (type == "i") {
        return BusValue{std::int64_t{variant.get<std::int32_t>()}};
    }
    if (type == "u") {
        return BusValue{std::int64_t{variant.get<std::uint32_t>()}};
    }
    if (type == "x") {
        return BusValue{variant.get<std::int64_t>()};
    }
    if (type == "t") {
        auto v = variant.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::nullopt;
        }
        return BusValue{static_cast<std::int64_t>(v)};
    }
    if (type == "d") {
        return BusValue{variant.get<double>()};
    }
    if (type == "b") {
        return BusValue{variant.get<bool>()};
    }
    if (type == "s") {
        return BusValue{variant.get<std::string>()};
    }
    if (type == "ai") {
        return empty_array_or_nothing<std::int32_t>(variant);
    }
    if (type == "au") {
        return empty_array_or_nothing<std::uint32_t>(variant);
    }
    if (type == "ad") {
        return empty_array_or_nothing<double>(variant);
    }
    if (type == "as") {
        return empty_array_or_nothing<std::string>(variant);
    }
    if (type == "ay") {
        return empty_array_or_nothing<std::uint8_t>(variant);
    }
    if (type == "ax") {
        return empty_array_or_nothing<std::int64_t>(variant);
    }
    if (type == "av") {
        return empty_array_or_nothing<sdbus::Variant>(variant);
    }
    return std::nullopt;
}

std::vector<SettingDefinition> decode_settings(const std::vector<VariantDict>& definitions) {
    std::vector<SettingDefinition> out;
    for (const auto& props : definitions) {
        SettingDefinition definition;
        auto text = [&](const char* key) {
            auto it = props.find(key);
            return it != props.end() && it->second.containsValueOfType<std::string>() ? it->second.get<std::string>()
                                                                                      : std::string();
        };
        auto number = [&](const char* key) -> std::optional<double> {
            auto it = props.find(key);
            double value = 0;
            if (it == props.end()) {
                return std::nullopt;
            }
            auto decoded = from_variant(it->second);
            return decoded && as_number(*decoded, value) ? std::optional(value) : std::nullopt;
        };
        definition.path = text("path");
        if (auto it = props.find("default"); it != props.end()) {
            definition.default_value = from_variant(it->second).value_or(Invalid{});
        }
        definition.min = number("min");
        definition.max = number("max");
        out.push_back(std::move(definition));
    }
    return out;
}

std::vector<VariantDict> encode_settings(const std::vector<SettingResult>& results) {
    std::vector<VariantDict> out;
    for (const auto& result : results) {
        VariantDict props{{"path", sdbus::Variant(result.path)}, {"error", sdbus::Variant(std::int32_t(result.error))}};
        if (is_valid(result.value)) {
            props.emplace("value", to_variant(result.value));
        }
        out.push_back(std::move(props));
    }
    return out;
}

namespace {
void finish(const std::string& path, sdbus::IObject& object) {
    try {
        object.finishRegistration();
    } catch (const sdbus::Error& e) {
        throw sdbus::Error(e.getName(), "object " + path + ": " + e.getMessage());
    }
}
}  // namespace

DbusItemService::DbusItemService(dbus::DbusConnection& connection, ItemTree& tree, std::string bus_name)
    : connection_(connection), tree_(tree), bus_name_(std::move(bus_name)) {}

DbusItemService::~DbusItemService() {
    withdraw();
}

void DbusItemService::export_leaf(const std::string& path) {
    auto object = sdbus::createObject(connection_.bus(), path);
    object->registerMethod("GetValue").onInterface(bus_item_interface).implementedAs([this, path] {
        return to_variant(tree_.value(path));
    });
    object->registerMethod("GetText").onInterface(bus_item_interface).implementedAs([this, path] {
        return tree_.text(path);
    });
    object->registerMethod("GetDescription")
        .onInterface(bus_item_interface)
        .implementedAs([this, path](const std::string&, std::int32_t) { return tree_.description(path); });
    object->registerMethod("SetValue")
        .onInterface(bus_item_interface)
        .implementedAs([this, path](const sdbus::Variant& value) {
            auto decoded = from_variant(value);
            auto result = decoded ? tree_.set_value(path, *decoded) : SetValueResult::not_writeable;
            connection_.kick();  // a PropertiesChanged may be waiting to go out
            return static_cast<std::int32_t>(result);
        });
    object->registerSignal("PropertiesChanged").onInterface(bus_item_interface).withParameters<VariantDict>();
    finish(path, *object);
    objects_.emplace_back(path, std::move(object));
}

void DbusItemService::export_node(const std::string& path) {
    auto object = sdbus::createObject(connection_.bus(), path);
    object->registerMethod("GetValue").onInterface(bus_item_interface).implementedAs([this, path] {
        VariantDict values;
        for (const auto& [relative, value] : tree_.node_values(path)) {
            values.emplace(relative, to_variant(value));
        }
        return sdbus::Variant(values);
    });
    object->registerMethod("GetText").onInterface(bus_item_interface).implementedAs([this, path] {
        return sdbus::Variant(tree_.node_texts(path));
    });
    if (path == "/") {
        object->registerMethod("GetItems").onInterface(bus_item_interface).implementedAs([this] {
            std::map<std::string, VariantDict> items;
            for (const auto& [item_path, state] : tree_.items()) {
                items.emplace(item_path, change_dict(state));
            }
            return items;
        });
        object->registerSignal("ItemsChanged")
            .onInterface(bus_item_interface)
            .withParameters<std::map<std::string, VariantDict>>();
        if (tree_.settings_manager()) {
            object->registerMethod("AddSettings")
                .onInterface(settings_interface)
                .implementedAs([this](const std::vector<VariantDict>& definitions) {
                    return encode_settings(tree_.settings_manager()(decode_settings(definitions)));
                });
        }
        root_ = object.get();
    }
    finish(path, *object);
    objects_.emplace_back(path, std::move(object));
}

void DbusItemService::publish(const dbus::DbusConnection::Done& done) {
    withdraw();
    try {
        for (const auto& node : tree_.nodes()) {
            export_node(node);
        }
        for (const auto& leaf : tree_.leaves()) {
            export_leaf(leaf);
        }
    } catch (const sdbus::Error& e) {
        objects_.clear();
        root_ = nullptr;
        done("cannot export " + bus_name_ + " on " + connection_.describe() + ": " + e.getMessage());
        return;
    }
    tree_.add_observer(this);
    connection_.add_close_listener(this, [this] { drop_objects(); });
    connection_.request_name(bus_name_, done);
}

void DbusItemService::withdraw() {
    if (objects_.empty()) {
        return;
    }
    connection_.remove_close_listener(this);
    if (connection_.is_open()) {
        connection_.release_name(bus_name_);
    }
    drop_objects();
}

void DbusItemService::drop_objects() {
    tree_.remove_observer(this);
    objects_.clear();
    root_ = nullptr;
}

// A leaf added to a published tree: the nodes above it that are new, then the leaf itself.
void DbusItemService::leaf_added(const std::string& path) {
    if (!connection_.is_open() || objects_.empty()) {
        return;
    }
    auto exported = [this](const std::string& object_path) {
        return std::any_of(objects_.begin(), objects_.end(),
                           [&](const auto& object) { return object.first == object_path; });
    };
    try {
        for (auto slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
            if (!exported(path.substr(0, slash))) {
                export_node(path.substr(0, slash));
            }
        }
        export_leaf(path);
    } catch (const sdbus::Error& e) {
        log::get("venus")->error("cannot export {} on {}: {}", path, bus_name_, e.getMessage());
    }
}

void DbusItemService::properties_changed(const std::string& path, const ItemState& state) {
    if (!connection_.is_open()) {
        return;
    }
    for (auto& [object_path, object] : objects_) {
        if (object_path == path) {
            object->emitSignal("PropertiesChanged").onInterface(bus_item_interface).withArguments(change_dict(state));
            connection_.kick();
            return;
        }
    }
}

void DbusItemService::items_changed(const ItemChanges& changes) {
    if (!connection_.is_open() || root_ == nullptr) {
        return;
    }
    std::map<std::string, VariantDict> out;
    for (const auto& [path, state] : changes) {
        out.emplace(path, change_dict(state));
    }
    root_->emitSignal("ItemsChanged").onInterface(bus_item_interface).withArguments(out);
    connection_.kick();
}

}  // namespace evhil::venus
