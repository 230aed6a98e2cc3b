#pragma once

#include <string>

namespace eddy::commands {

class EngineState;

// INFO everything: every section's fields as INFO prints them (info_family.cc).
std::string info_everything(EngineState& s);

// The same figures in Prometheus's text exposition format, for the metrics endpoint
// (metrics.cc).
std::string prometheus_metrics(EngineState& s);

}  // namespace eddy::commands
