#pragma once
// Records every signal of a run as a time series on a common time axis. Components register a getter per
// signal; sample() reads them all. States are recorded as numbers with labels, so expectations can name them.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/recording/result.hpp"

namespace evhil::harness {

class Recorder {
public:
    using Getter = std::function<double()>;

    void add(std::string name, std::string unit, Getter getter, std::vector<std::string> labels = {}) {
        recording_.signals.push_back(SignalSeries{std::move(name), std::move(unit), {}});
        getters_.push_back(std::move(getter));
        labels_.push_back(std::move(labels));
    }
    void sample(double time_s) {
        recording_.times_s.push_back(time_s);
        for (std::size_t i = 0; i < getters_.size(); ++i) {
            recording_.signals[i].values.push_back(getters_[i]());
        }
    }
    void reserve(std::size_t samples) {
        recording_.times_s.reserve(samples);
        for (auto& signal : recording_.signals) {
            signal.values.reserve(samples);
        }
    }
    // With one device, its signals may be named without the device id ("driver.state" for "charger.driver.state").
    void set_default_prefix(std::string prefix) { default_prefix_ = std::move(prefix); }
    // The full name a signal is recorded under, or the name unchanged when there is no such signal.
    std::string resolve(const std::string& name) const {
        if (recording_.find(name) == nullptr && !default_prefix_.empty() &&
            recording_.find(default_prefix_ + name) != nullptr) {
            return default_prefix_ + name;
        }
        return name;
    }
    const SignalSeries* find(const std::string& name) const { return recording_.find(resolve(name)); }
    // The numeric value of a state label of a signal ("running" for driver.state).
    std::optional<double> label_value(const std::string& name, const std::string& label) const {
        auto signal = resolve(name);
        for (std::size_t i = 0; i < recording_.signals.size(); ++i) {
            if (recording_.signals[i].name != signal) {
                continue;
            }
            for (std::size_t value = 0; value < labels_[i].size(); ++value) {
                if (labels_[i][value] == label) {
                    return static_cast<double>(value);
                }
            }
        }
        return std::nullopt;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> result;
        for (const auto& signal : recording_.signals) {
            result.push_back(signal.name);
        }
        return result;
    }
    const Recording& recording() const { return recording_; }
    Recording take() { return std::move(recording_); }

private:
    Recording recording_;
    std::vector<Getter> getters_;
    std::vector<std::vector<std::string>> labels_;
    std::string default_prefix_;
};

}  // namespace evhil::harness
