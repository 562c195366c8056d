// Allocation-free parsers for /proc/<pid>/smaps and /proc/<pid>/status.
//
// These run inside the seccomp-confined child, between the mlock-family
// syscall under test and reading back its effect. malloc is forbidden there,
// so nothing here allocates or throws: results are string_views into the
// caller's buffer and plain integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "oracles/vm_flags.h"

namespace mlc {

// One VMA block of smaps. `name` points into the text passed to ParseSmaps and
// is only valid as long as that text is.
struct SmapsVma {
  // Byte addresses from the header line.
  uint64_t start = 0;
  uint64_t end = 0;
  // The perms column ("rwxs" / "rwxp").
  bool read = false;
  bool write = false;
  bool exec = false;
  bool shared = false;
  // Pathname column, may be empty: "[stack]", "/dev/zero (deleted)",
  // "[vsyscall]", or "" for private anonymous memory.
  std::string_view name;
  // "Rss:" and "Locked:" lines. Locked is Pss-based and counts only resident
  // pages of a VM_LOCKED VMA (fs/proc/task_mmu.c smaps_account()), so an
  // MLOCK_ONFAULT VMA shows Locked < Size until it is touched, while status
  // VmLck (locked_vm) counts the whole VMA.
  uint64_t rss_kb = 0;
  uint64_t locked_kb = 0;
  // "AnonHugePages:": PMD-mapped anonymous THPs (smaps_pmd_entry()).
  uint64_t anon_huge_kb = 0;
  // "Private_Hugetlb:" + "Shared_Hugetlb:": present huge pages of a hugetlb
  // VMA, which Rss leaves out (smaps_hugetlb_range()).
  uint64_t hugetlb_kb = 0;
  // VmFlagBit bits from the "VmFlags:" line.
  uint32_t vm_flags = 0;
  // The VmFlags line was present (it appeared in v3.8; older kernels have
  // none, so an absent line must not read as "no flags set").
  bool has_vm_flags = false;
};

// Maps the value of a VmFlags line ("rd wr mr mw me ac lo lf sd") onto
// VmFlagBit. Mnemonics not in VmFlagBit are ignored, except "??" which becomes
// kVmLockOnFault when dialect.question_marks_mean_lock_on_fault and kVmUnknown
// otherwise.
uint32_t ParseVmFlags(std::string_view value,
                      const SmapsDialect& dialect) noexcept;

// Returns the kB value of a "<field>:   1234 kB" line of /proc/<pid>/status,
// e.g. field "VmLck". nullopt if the field is absent or its value is not a
// well-formed kB count.
std::optional<uint64_t> ParseStatusKb(std::string_view status_text,
                                      std::string_view field) noexcept;

// The count of a "<name> <count>" line of /proc/vmstat, e.g.
// "unevictable_pgs_mlocked"; nullopt if absent or malformed.
std::optional<uint64_t> ParseVmstatCount(std::string_view vmstat_text, std::string_view name) noexcept;

// The hugetlb lines of /proc/meminfo (Documentation/admin-guide/mm/
// hugetlbpage.rst): Hugepagesize in bytes (0 without hugetlbfs), and
// HugePages_Free and HugePages_Rsvd (0 where absent).
struct HugetlbPool {
  uint64_t page_size = 0;
  uint64_t free = 0;
  uint64_t reserved = 0;
};
HugetlbPool ParseHugetlbMeminfo(std::string_view meminfo_text) noexcept;

namespace smaps_internal {

// The line-level state machine behind ParseSmaps, kept out of the template so
// it is compiled once (smaps_parser.cc). It makes one forward pass over the
// text and holds the VMA being assembled until the next header (or the end of
// the text) shows its block is complete.
class SmapsCursor {
 public:
  enum class Step { kVma, kEnd, kError };

  SmapsCursor(std::string_view text, const SmapsDialect& dialect) noexcept
      : text_(text), dialect_(dialect) {}

  // kVma: *vma holds the next complete VMA. kEnd: the text is exhausted.
  // kError: error_offset() is the byte offset of the offending line; every
  // later call returns kEnd.
  Step Next(SmapsVma* vma) noexcept;

  size_t error_offset() const { return error_offset_; }

 private:
  // Applies a "Key: value" line to pending_. False if a field we interpret
  // has a malformed value.
  bool ApplyField(std::string_view key, std::string_view value) noexcept;
  // Records a malformed line starting at line_start; returns kError.
  Step Fail(size_t line_start) noexcept;

  std::string_view text_;
  SmapsDialect dialect_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
  SmapsVma pending_;
  bool has_pending_ = false;
};

}  // namespace smaps_internal

// Parses the text of /proc/<pid>/smaps. Calls on_vma(const SmapsVma&) once per
// VMA, in order. Returns true on success. On malformed input returns false and
// sets *error_offset (if non-null) to the byte offset of the offending line;
// VMAs whose blocks were closed by a good header before that line have already
// been reported, the one still open at it is dropped. Unknown "Key: value"
// lines are ignored (fields were added over kernel versions). A VMA is
// reported when its block ends (next header or end of text). A read cut short
// at a line boundary looks like complete text, so callers must detect a full
// buffer themselves.
template <typename OnVma>
bool ParseSmaps(std::string_view text, const SmapsDialect& dialect,
                OnVma&& on_vma, size_t* error_offset = nullptr) {
  smaps_internal::SmapsCursor cursor(text, dialect);
  SmapsVma vma;
  for (;;) {
    switch (cursor.Next(&vma)) {
      case smaps_internal::SmapsCursor::Step::kVma:
        on_vma(static_cast<const SmapsVma&>(vma));
        break;
      case smaps_internal::SmapsCursor::Step::kEnd:
        return true;
      case smaps_internal::SmapsCursor::Step::kError:
        if (error_offset != nullptr) *error_offset = cursor.error_offset();
        return false;
    }
  }
}

// Whether /proc/self/uid_map and /proc/self/setgroups (nullptr when the
// file is missing) describe the initial user namespace, the one the
// kernel's capable() checks (mm/mlock.c can_do_mlock(), kernel/sys.c
// do_prlimit(): "Keep the capable check against init_user_ns"). Inside any
// other (a rootless container, unshare --user) CapEff lists capabilities
// capable() denies. The initial namespace maps every uid onto itself and
// allows setgroups; the second test catches a child namespace given the
// identity map (as systemd's running_in_userns() does). Without user
// namespaces uid_map does not exist (nullptr): then this is the initial one.
bool IsInitialUserNamespace(const char* uid_map, const char* setgroups);

}  // namespace mlc
