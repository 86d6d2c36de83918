#include "harness/run/judge.hpp"

#include <fmt/format.h>

#include <cmath>

namespace evhil::harness {
namespace {

struct Operands {
    const SignalSeries* left = nullptr;
    const SignalSeries* right = nullptr;  // when the operand is another signal
    double constant = 0;
};

std::optional<Operands> resolve(const Condition& condition, const Recorder& recorder, std::string* error) {
    Operands operands;
    operands.left = recorder.find(condition.signal);
    if (operands.left == nullptr) {
        *error = fmt::format("unknown signal '{}'", condition.signal);
        return std::nullopt;
    }
    if (const auto* number = std::get_if<double>(&condition.operand)) {
        operands.constant = *number;
    } else {
        const auto& name = std::get<std::string>(condition.operand);
        if (auto label = recorder.label_value(condition.signal, name)) {
            operands.constant = *label;
        } else if ((operands.right = recorder.find(name)) == nullptr) {
            *error = fmt::format("'{}' is neither a signal nor a state of {}", name, condition.signal);
            return std::nullopt;
        }
    }
    return operands;
}

double right_at(const Operands& operands, std::size_t index) {
    return operands.right != nullptr ? operands.right->values[index] : operands.constant;
}

std::string value_text(double value) {
    return std::isnan(value) ? "no value" : fmt::format("{:.6g}", value);
}

}  // namespace

void check_names(const Expectation& expectation, const Recorder& recorder) {
    std::string error;
    if (!resolve(expectation.condition, recorder, &error)) {
        std::string known;
        for (const auto& name : recorder.names()) {
            known += (known.empty() ? "" : ", ") + name;
        }
        expectation.node.fail(fmt::format("{} (signals: {})", error, known));
    }
}

ExpectationResult judge(const Expectation& expectation, const Recorder& recorder, const EventTimes& events,
                        double end_s, double slack_s) {
    ExpectationResult result;
    result.description = expectation.description;
    result.kind = expectation.kind;
    result.line = expectation.node.line();
    std::string error;
    auto operands = resolve(expectation.condition, recorder, &error);
    const auto& times = recorder.recording().times_s;
    if (!operands || times.empty()) {
        result.detail = operands ? "nothing was recorded" : error;
        return result;
    }
    double window_start = expectation.from ? to_seconds(*expectation.from) : 0.0;
    double window_end = expectation.until ? to_seconds(*expectation.until) : end_s;
    if (expectation.kind == "within") {
        double anchor = expectation.after_time ? to_seconds(*expectation.after_time) : -1.0;
        if (!expectation.after_event.empty()) {
            auto found = events.find(expectation.after_event);
            if (found == events.end()) {
                result.detail = fmt::format("event '{}' never happened", expectation.after_event);
                result.failed_at_s = end_s;
                return result;
            }
            anchor = found->second;
        }
        window_start = anchor;
        window_end = anchor + to_seconds(*expectation.within);
    }
    if (expectation.kind == "within" || (expectation.kind == "eventually" && expectation.until)) {
        window_end += slack_s;
    }
    if (expectation.kind == "always" || expectation.kind == "never") {
        window_start += expectation.from ? slack_s : 0.0;
        window_end -= expectation.until ? slack_s : 0.0;
    }
    if (expectation.kind == "at_end") {
        window_start = times.back();
        window_end = times.back();
    }
    const auto& left = operands->left->values;
    bool wants_all = expectation.kind == "always" || expectation.kind == "never";
    bool expected = expectation.kind != "never";
    std::size_t checked = 0;
    double last_left = std::nan("");
    double last_right = std::nan("");
    for (std::size_t i = 0; i < times.size(); ++i) {
        if (times[i] < window_start - 1e-9 || times[i] > window_end + 1e-9) {
            continue;
        }
        ++checked;
        last_left = left[i];
        last_right = right_at(*operands, i);
        bool holds = evaluate(expectation.condition, last_left, last_right) == expected;
        if (wants_all && !holds) {
            result.failed_at_s = times[i];
            result.detail =
                fmt::format("{} was {} at t={}s", expectation.condition.signal, value_text(last_left), times[i]);
            return result;
        }
        if (!wants_all && holds) {
            result.passed = true;
            result.detail =
                fmt::format("held at t={}s ({} = {})", times[i], expectation.condition.signal, value_text(last_left));
            return result;
        }
    }
    if (checked == 0) {
        result.failed_at_s = window_start;
        result.detail = fmt::format("no sample between t={}s and t={}s", window_start, window_end);
        return result;
    }
    if (wants_all) {
        result.passed = true;
        result.detail = fmt::format("held in {} samples", checked);
        return result;
    }
    result.failed_at_s = std::min(window_end, times.back());
    result.detail =
        fmt::format("never held between t={}s and t={}s; last {} = {} (right side {})", window_start, window_end,
                    expectation.condition.signal, value_text(last_left), value_text(last_right));
    return result;
}

}  // namespace evhil::harness
