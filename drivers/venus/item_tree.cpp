#include "drivers/venus/item_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace evhil::venus {
namespace {

bool well_formed(const std::string& path) {
    if (path.size() < 2 || path.front() != '/' || path.back() == '/') {
        return false;
    }
    return path.find("//") == std::string::npos;
}

// The node prefix of a path: "/" for the root, "/Ac/" for "/Ac".
std::string node_prefix(const std::string& node) {
    return node == "/" ? "/" : node + "/";
}

// Python's conversion of `value` to the item's type, as velib's coerce_value does; nullopt where Python raises.
std::optional<BusValue> coerce(ValueKind kind, const BusValue& value) {
    if (kind == ValueKind::any || !is_valid(value)) {
        return value;
    }
    double number = 0;
    bool numeric = as_number(value, number);
    switch (kind) {
        case ValueKind::integer:
            if (!numeric || !std::isfinite(number)) {
                return std::nullopt;
            }
            return BusValue{static_cast<std::int64_t>(std::trunc(number))};
        case ValueKind::number:
            if (!numeric) {
                return std::nullopt;
            }
            return BusValue{number};
        case ValueKind::text:
            return BusValue{python_str(value)};
        case ValueKind::any:
            break;
    }
    return value;
}

}  // namespace

void ItemTree::add(const std::string& path, ItemSpec spec) {
    if (!well_formed(path)) {
        throw std::invalid_argument("bus item path '" + path + "' is not of the form /A/B");
    }
    if (items_.count(path) != 0 || has_node(path)) {
        throw std::invalid_argument("bus item path '" + path + "' is already taken");
    }
    for (auto slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        if (items_.count(path.substr(0, slash)) != 0) {
            throw std::invalid_argument("bus item path '" + path + "' lies below the item " + path.substr(0, slash));
        }
    }
    items_.emplace(path, Item{std::move(spec)});
    for (auto* observer : std::vector<ItemTreeObserver*>(observers_)) {
        observer->leaf_added(path);
    }
}

bool ItemTree::has_node(const std::string& path) const {
    if (path == "/") {
        return true;
    }
    auto prefix = node_prefix(path);
    auto it = items_.lower_bound(prefix);
    return it != items_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> ItemTree::leaves() const {
    std::vector<std::string> out;
    for (const auto& [path, item] : items_) {
        out.push_back(path);
    }
    return out;
}

std::vector<std::string> ItemTree::nodes() const {
    std::set<std::string> out{"/"};
    for (const auto& [path, item] : items_) {
        for (auto slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
            out.insert(path.substr(0, slash));
        }
    }
    return {out.begin(), out.end()};
}

const BusValue& ItemTree::value(const std::string& path) const {
    return items_.at(path).spec.value;
}

std::string ItemTree::text(const std::string& path) const {
    return text_of(path, items_.at(path));
}

std::string ItemTree::description(const std::string& path) const {
    const auto& description = items_.at(path).spec.description;
    return description.empty() ? "No description given" : description;
}

std::string ItemTree::text_of(const std::string& path, const Item& item) const {
    const auto& value = item.spec.value;
    if (!is_valid(value)) {
        return "---";
    }
    if (item.spec.text) {
        return item.spec.text(path, value);
    }
    if (path == "/ProductId") {
        if (const auto* id = std::get_if<std::int64_t>(&value)) {
            char buffer[32];
            std::snprintf(buffer, sizeof(buffer), "0x%llX", static_cast<unsigned long long>(*id));
            return buffer;
        }
    }
    return python_str(value);
}

ItemState ItemTree::state_of(const std::string& path, const Item& item) const {
    return ItemState{item.spec.value, text_of(path, item)};
}

void ItemTree::store(const std::string& path, Item& item, BusValue value) {
    // velib compares with Python's ==: 1 written over 1.0 is no change, and the stored value keeps its type.
    if (python_equal(item.spec.value, value)) {
        return;
    }
    item.spec.value = std::move(value);
    auto state = state_of(path, item);
    if (batch_depth_ > 0) {
        auto [at, added] = pending_at_.try_emplace(&item, pending_.size());
        if (added) {
            pending_.emplace_back(path, std::move(state));
        } else {
            pending_[at->second].second = std::move(state);
        }
        return;
    }
    for (auto* observer : observers_) {
        observer->properties_changed(path, state);
    }
}

void ItemTree::set(const std::string& path, BusValue value) {
    auto it = items_.find(path);
    if (it == items_.end()) {
        throw std::out_of_range("no bus item " + path);
    }
    store(path, it->second, std::move(value));
}

void ItemTree::end_batch() {
    if (--batch_depth_ > 0 || pending_.empty()) {
        return;
    }
    ItemChanges changes;
    changes.swap(pending_);
    pending_at_.clear();
    for (auto* observer : observers_) {
        observer->items_changed(changes);
    }
}

void ItemTree::add_observer(ItemTreeObserver* observer) {
    if (std::find(observers_.begin(), observers_.end(), observer) == observers_.end()) {
        observers_.push_back(observer);
    }
}

void ItemTree::remove_observer(ItemTreeObserver* observer) {
    std::erase(observers_, observer);
}

SetValueResult ItemTree::set_value(const std::string& path, const BusValue& incoming) {
    auto it = items_.find(path);
    if (it == items_.end() || !it->second.spec.writeable) {
        return SetValueResult::not_writeable;
    }
    auto& item = it->second;
    auto value = coerce(item.spec.kind, incoming);
    if (!value) {
        return SetValueResult::not_writeable;
    }
    if (python_equal(*value, item.spec.value)) {
        return SetValueResult::accepted;
    }
    if (item.spec.on_write && !item.spec.on_write(path, *value)) {
        return SetValueResult::refused;
    }
    store(path, item, std::move(*value));
    return SetValueResult::accepted;
}

std::map<std::string, BusValue> ItemTree::node_values(const std::string& node) const {
    std::map<std::string, BusValue> out;
    auto prefix = node_prefix(node);
    for (auto it = items_.lower_bound(prefix); it != items_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it) {
        out.emplace(it->first.substr(prefix.size()), it->second.spec.value);
    }
    return out;
}

std::map<std::string, std::string> ItemTree::node_texts(const std::string& node) const {
    std::map<std::string, std::string> out;
    auto prefix = node_prefix(node);
    for (auto it = items_.lower_bound(prefix); it != items_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it) {
        out.emplace(it->first.substr(prefix.size()), text_of(it->first, it->second));
    }
    return out;
}

std::map<std::string, ItemState> ItemTree::items() const {
    std::map<std::string, ItemState> out;
    for (const auto& [path, item] : items_) {
        out.emplace(path, state_of(path, item));
    }
    return out;
}

}  // namespace evhil::venus
