#include "oracles/events.h"

#include <iterator>

namespace mlc {
namespace {

constexpr EventInfo kEvents[] = {
#define MLC_EVENT_ROW(e, family, gates, name, citation) {Event::e, Family::family, gates, name, citation},
    MLC_EVENTS(MLC_EVENT_ROW)
#undef MLC_EVENT_ROW
};
static_assert(std::size(kEvents) == static_cast<size_t>(Event::kCount), "one row per event");

}  // namespace

const EventInfo& InfoOf(Event e) { return kEvents[static_cast<size_t>(e)]; }

const char* FamilyName(Family f) {
  switch (f) {
    case Family::kMlock: return "mlock";
    case Family::kMmap: return "mmap";
    case Family::kFault: return "fault";
    case Family::kLimits: return "limits";
    case Family::kFiles: return "files";
    case Family::kSecretmem: return "secretmem";
    case Family::kPageFlags: return "page flags";
    case Family::kMadvise: return "madvise";
    case Family::kMremap: return "mremap";
    case Family::kBrkFork: return "brk and fork";
    case Family::kThp: return "thp";
    case Family::kHugetlb: return "hugetlb";
    case Family::kReclaim: return "reclaim";
    case Family::kMigrate: return "migration";
    case Family::kCompaction: return "compaction";
  }
  return "?";
}

}  // namespace mlc
