#pragma once
// The side-by-side HTML view of a protocol baseline comparison, as a fragment that the HTML report embeds.

#include <cstddef>
#include <string>
#include <vector>

#include "harness/traces/baseline.hpp"

namespace evhil::harness {

// A <section> holding a two-column table, baseline | this run: removed lines tinted red on the left, added lines
// tinted green on the right, and unchanged lines shown only within `context` lines of a change, the rest folded
// into "… N unchanged lines …". Styles are inline so the fragment looks the same wherever it is embedded. All
// text is escaped.
std::string render_baseline_diff_html(const std::string& title, const std::vector<DiffRow>& rows,
                                      std::size_t context = 3);

}  // namespace evhil::harness
