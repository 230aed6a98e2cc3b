// libFuzzer target: arbitrary journal bytes never crash recovery. The first input byte picks how
// the rest is used: as a segment's records as they are (the framing and checksums are fuzzed), or
// split at '\n' into payloads framed with valid checksums (the unit decoder behind them is fuzzed).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "crdt/effect.h"
#include "sync/journal.h"

namespace {

const std::string& fuzz_dir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/eddy-journal-fuzz-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace eddy::sync;
  const bool frame_payloads = data[0] & 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string records;
  if (frame_payloads) {
    while (!input.empty()) {
      size_t end = input.find('\n');
      record::append(records, input.substr(0, end));
      if (end == std::string_view::npos) break;
      input.remove_prefix(end + 1);
    }
  } else {
    records.assign(input);
  }
  Journal::Options options{fuzz_dir(), "journal.eddy", 7, FsyncPolicy::kNo, 1 << 20};
  {
    std::ofstream out(options.dir + "/" + segment::file_name(options.basename, 1),
                      std::ios::binary | std::ios::trunc);
    out << segment::header(options.replica_id, 1) << records;
  }
  ReplayReport report;
  uint64_t units = 0;
  auto error = Journal::replay(options, [&](uint64_t, eddy::crdt::Unit&&) { ++units; }, report);
  if (!error && units != report.records) std::abort();
  return 0;
}
