#pragma once
// The house around the charger: a PV array on a clear-sky day scaled to its peak, with seeded cloud
// transients; a house load profile; and the grid connection that balances them:
//     grid = house + EV - PV   (positive: importing)
// A home battery joins this balance in a later issue.

#include <optional>
#include <vector>

#include "drivers/core/clock.hpp"
#include "drivers/core/rng.hpp"

namespace evhil::physics {

struct PvSettings {
    double peak_w = 0.0;        // output at solar noon on a clear day
    double sunrise_hour = 6.0;  // UTC hours; the profile is a half sine between sunrise and sunset...
    double sunset_hour = 20.0;
    double shape_exponent = 1.5;  // ...raised to this power, closer to a measured clear-sky curve
    bool clouds = false;
    double clouds_per_hour = 2.0;  // mean arrival rate of cloud transients
    double cloud_depth = 0.7;      // fraction of output a cloud removes, at most
    Duration cloud_mean_duration = std::chrono::minutes(5);
    // Seasons: peak and day length as configured at the summer solstice, shrinking to winter_share of the peak and a
    // day shorter by day_length_swing_h at the winter solstice (a cosine over the year, for a year-long run).
    bool seasons = false;
    double winter_share = 0.25;
    double day_length_swing_h = 8.0;
    // Seeded weather by the day: each day is clear (45 %), mixed (35 %) or overcast (20 %), scaling its output; the
    // same seed gives the same days, whatever else the run draws.
    bool daily_weather = false;
};

struct HouseSettings {
    double base_w = 300.0;
    // Morning and evening peaks on top of the base, as residential load profiles show.
    double morning_peak_w = 0.0;  // around 07:30
    double evening_peak_w = 0.0;  // around 19:00
};

class PvModel {
public:
    PvModel(PvSettings settings, Rng rng);
    // Must be asked with non-decreasing times (clouds are generated as time advances).
    double power_w(TimePoint t);
    double clear_sky_w(TimePoint t) const;
    // The weather's share of the clear sky on t's day (1 without daily_weather).
    double weather_factor(TimePoint t) const;
    void set_override(std::optional<double> watts) { override_w_ = watts; }
    PvSettings& settings() { return settings_; }

private:
    struct Cloud {
        TimePoint start;
        TimePoint end;
        double depth;
    };
    void generate_clouds_until(TimePoint t);

    PvSettings settings_;
    Rng rng_;
    // The last day whose weather was drawn, and its factor (a cache: the same day always draws the same).
    mutable std::optional<long long> weather_day_;
    mutable double weather_factor_ = 1.0;
    std::optional<double> override_w_;
    std::vector<Cloud> clouds_;
    std::optional<TimePoint> next_cloud_;
};

class HouseModel {
public:
    explicit HouseModel(HouseSettings settings) : settings_(settings) {}
    double power_w(TimePoint t) const;
    void set_override(std::optional<double> watts) { override_w_ = watts; }

private:
    HouseSettings settings_;
    std::optional<double> override_w_;
};

struct SiteSample {
    double pv_w = 0;
    double house_w = 0;
    double ev_w = 0;
    double grid_w = 0;
};

class Site {
public:
    Site(PvSettings pv, HouseSettings house, Rng rng) : pv_(pv, rng.fork("pv")), house_(house) {}
    SiteSample sample(TimePoint t, double ev_w);
    PvModel& pv() { return pv_; }
    HouseModel& house() { return house_; }

private:
    PvModel pv_;
    HouseModel house_;
};

double hour_of_day(TimePoint t);

}  // namespace evhil::physics
