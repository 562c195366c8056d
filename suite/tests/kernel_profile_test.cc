#include "oracles/kernel_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "runners/host.h"

namespace mlc {
namespace {

TEST(KernelProfileTest, ParsesDebianAndUpstreamReleases) {
  const auto debian = ParseKernelRelease("6.1.0-27-cloud-amd64");
  ASSERT_TRUE(debian.has_value());
  EXPECT_EQ(debian->major, 6);
  EXPECT_EQ(debian->minor, 1);
  EXPECT_EQ(debian->patch, 0);
  const auto rc = ParseKernelRelease("6.8-rc1");
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(rc->minor, 8);
  const auto here = ParseKernelRelease("6.18.44-fc-v657");
  ASSERT_TRUE(here.has_value());
  EXPECT_EQ(here->patch, 44);
}

TEST(KernelProfileTest, RejectsMalformedReleases) {
  EXPECT_FALSE(ParseKernelRelease("").has_value());
  EXPECT_FALSE(ParseKernelRelease("linux").has_value());
  EXPECT_FALSE(ParseKernelRelease("6").has_value());
  EXPECT_FALSE(ParseKernelRelease("6.x").has_value());
}

TEST(KernelProfileTest, QuestionMarksMeanLockOnFaultBefore62) {
  EXPECT_TRUE(ProfileForRelease("6.1.0-27-cloud-amd64", nullptr)->smaps.question_marks_mean_lock_on_fault);
  EXPECT_FALSE(ProfileForRelease("6.2.0", nullptr)->smaps.question_marks_mean_lock_on_fault);
  EXPECT_FALSE(ProfileForRelease("6.12.48+deb12-cloud-amd64", nullptr)->smaps.question_marks_mean_lock_on_fault);
}

TEST(KernelProfileTest, MlockallOnFaultAloneIsEinvalSince52) {
  EXPECT_FALSE(ProfileForRelease("5.1.21", nullptr)->mlockall_onfault_alone_is_einval);
  EXPECT_TRUE(ProfileForRelease("5.2.0", nullptr)->mlockall_onfault_alone_is_einval);
}

// Three check orders: classic 6.1-6.14, the same with new_addr's alignment
// first in 6.15-6.16, checks before unmaps and multi-VMA moves since 6.17.
TEST(KernelProfileTest, MremapIsModelledSince61InThreeCheckOrders) {
  for (const char* classic : {"6.1.0-56-cloud-amd64", "6.12.48+deb12-cloud-amd64", "6.14.11"}) {
    EXPECT_TRUE(ProfileForRelease(classic, nullptr)->mremap_modelled) << classic;
    EXPECT_TRUE(ProfileForRelease(classic, nullptr)->mremap_classic) << classic;
    EXPECT_FALSE(ProfileForRelease(classic, nullptr)->mremap_new_addr_checked_early) << classic;
  }
  for (const char* hybrid : {"6.15.11", "6.16.9"}) {
    EXPECT_TRUE(ProfileForRelease(hybrid, nullptr)->mremap_modelled) << hybrid;
    EXPECT_TRUE(ProfileForRelease(hybrid, nullptr)->mremap_classic) << hybrid;
    EXPECT_TRUE(ProfileForRelease(hybrid, nullptr)->mremap_new_addr_checked_early) << hybrid;
  }
  for (const char* unmodelled : {"6.0.19", "5.15.170"}) {
    EXPECT_FALSE(ProfileForRelease(unmodelled, nullptr)->mremap_modelled) << unmodelled;
  }
  for (const char* current : {"6.17.0", "6.18.44-fc-v782"}) {
    EXPECT_TRUE(ProfileForRelease(current, nullptr)->mremap_modelled) << current;
    EXPECT_FALSE(ProfileForRelease(current, nullptr)->mremap_classic) << current;
  }
}

TEST(KernelProfileTest, KernelsOlderThanMapFixedNoreplaceAreRefusedWithAReason) {
  std::string why;
  EXPECT_FALSE(ProfileForRelease("4.14.300", &why).has_value());
  EXPECT_NE(why.find("4.17"), std::string::npos) << why;
  EXPECT_FALSE(ProfileForRelease("garbage", &why).has_value());
  EXPECT_NE(why.find("garbage"), std::string::npos) << why;
}

TEST(HostTest, CapIpcLockIsBit14OfCapEff) {
  EXPECT_EQ(ParseCapIpcLock("Name:\tx\nCapEff:\t000001ffffffffff\n"), true);
  EXPECT_EQ(ParseCapIpcLock("Name:\tx\nCapEff:\t000001ffffffbfff\n"), false);
  EXPECT_EQ(ParseCapIpcLock("Name:\tx\nCapEff:\t0000000000000000\n"), false);
  EXPECT_FALSE(ParseCapIpcLock("Name:\tx\n").has_value());
}

// The "Kernel versions" rows of the rules reference (oracles/README.md), as
// {kernels, boundary, difference}.
std::vector<std::vector<std::string>> RulesVersionRows() {
  std::ifstream in(MLC_RULES_PATH);
  std::vector<std::vector<std::string>> rows;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) inside = line == "## Kernel versions";
    if (!inside || line.rfind("| ", 0) != 0 || line.rfind("| kernels", 0) == 0) continue;
    // Cells split at the pipe, but not at Markdown's escaped one (backslash, pipe).
    std::vector<std::string> cells(1);
    for (size_t i = 2; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
        cells.back() += line[++i];
      } else if (line[i] == '|') {
        cells.emplace_back();
      } else {
        cells.back() += line[i];
      }
    }
    for (std::string& cell : cells) {
      const size_t first = cell.find_first_not_of(' ');
      cell = first == std::string::npos ? "" : cell.substr(first, cell.find_last_not_of(' ') - first + 1);
    }
    while (!cells.empty() && cells.back().empty()) cells.pop_back();
    rows.push_back(cells);
  }
  return rows;
}

TEST(KernelProfileTest, TheRulesVersionTableIsTheProfilesTable) {
  const auto rows = RulesVersionRows();
  ASSERT_FALSE(rows.empty()) << "no rows under '## Kernel versions' in " << MLC_RULES_PATH;
  EXPECT_EQ(rows.size(), VersionBoundaries().size());
  for (const VersionBoundary& b : VersionBoundaries()) {
    const std::vector<std::string>* row = nullptr;
    for (const auto& r : rows) {
      if (r.size() == 3 && r[1] == b.name) row = &r;
    }
    ASSERT_NE(row, nullptr) << MLC_RULES_PATH << " has no row for boundary " << b.name;
    const std::string version = std::to_string(b.since.major) + "." + std::to_string(b.since.minor) +
                                (b.since.patch ? "." + std::to_string(b.since.patch) : "");
    EXPECT_EQ((*row)[0], "< " + version) << b.name;
    std::istringstream commits(b.commits);
    for (std::string commit; commits >> commit;) {
      EXPECT_EQ(commit.size(), 12u) << b.name;
      EXPECT_NE((*row)[2].find(commit), std::string::npos) << b.name << " does not cite " << commit;
    }
    if (std::string(b.commits).empty()) {
      EXPECT_NE((*row)[2].find(b.subject), std::string::npos) << b.name << " does not cite \"" << b.subject << "\"";
    }
  }
  for (const auto& r : rows) {
    ASSERT_EQ(r.size(), 3u) << "malformed row starting " << (r.empty() ? "" : r[0]);
    Since(r[1]);  // aborts on a boundary the table lacks
  }
}

TEST(KernelProfileTest, ProfilesChangeExactlyAtTheirBoundaries) {
  const auto at = [](const char* name, int delta) {
    KernelVersion v = Since(name);
    if (delta < 0) {
      v.minor -= 1;
      v.patch = 999;
    }
    char release[32];
    std::snprintf(release, sizeof release, "%d.%d.%d", v.major, v.minor, v.patch);
    return *ProfileForRelease(release, nullptr);
  };
  EXPECT_TRUE(at("smaps-lf", -1).smaps.question_marks_mean_lock_on_fault);
  EXPECT_FALSE(at("smaps-lf", 0).smaps.question_marks_mean_lock_on_fault);
  EXPECT_FALSE(at("mprotect-unaccounts-unfaulted-anon", -1).mprotect_unaccounts_unfaulted_anon);
  EXPECT_TRUE(at("mprotect-unaccounts-unfaulted-anon", 0).mprotect_unaccounts_unfaulted_anon);
  EXPECT_FALSE(at("mremap-rework", -1).mremap_new_addr_checked_early);
  EXPECT_TRUE(at("mremap-rework", 0).mremap_new_addr_checked_early);
  EXPECT_TRUE(at("mremap-multi-vma", -1).mremap_classic);
  EXPECT_FALSE(at("mremap-multi-vma", 0).mremap_classic);
  EXPECT_FALSE(at("mremap-classic-modelled", -1).mremap_modelled);
  EXPECT_TRUE(at("mremap-classic-modelled", 0).mremap_modelled);
  EXPECT_TRUE(at("mmap-unmap-error-returned", -1).mmap_unmap_failure_is_enomem);
  EXPECT_FALSE(at("mmap-unmap-error-returned", 0).mmap_unmap_failure_is_enomem);
}

}  // namespace
}  // namespace mlc

namespace mlc {
namespace {

// MeasuredBehaviour: what the profile and the machine's facts predict, and
// the one-line reasons a measurement they do not explain fails the run.
TEST(MeasuredBehaviourTest, TheZeroPageIsPredictedUnlessAKnownSwitchForbidsIt) {
  const KernelProfile p = *ProfileForRelease("6.18.44", nullptr);
  EXPECT_TRUE(PredictMeasured(p, {"console=ttyS0 quiet", false}).read_fault_maps_zero_page);
  EXPECT_FALSE(PredictMeasured(p, {"quiet pvm_no_zero_page=1 tsc=unstable", false}).read_fault_maps_zero_page);
  EXPECT_FALSE(PredictMeasured(p, {"pvm_no_zero_page", false}).read_fault_maps_zero_page);
  EXPECT_TRUE(PredictMeasured(p, {"xpvm_no_zero_page=1", false}).read_fault_maps_zero_page);
  MeasuredBehaviour measured = PredictMeasured(p, {"quiet", false});
  EXPECT_THAT(UnexplainedMeasurements(measured, measured), ::testing::IsEmpty());
  measured.read_fault_maps_zero_page = false;  // a regression, or an unknown switch
  const auto why = UnexplainedMeasurements(measured, PredictMeasured(p, {"quiet", false}));
  ASSERT_EQ(why.size(), 1u);
  EXPECT_THAT(why[0], ::testing::HasSubstr("no zero page, and no known switch"));
}

TEST(MeasuredBehaviourTest, SecretmemIsChargedPerFaultFromTheStableReleasesThatCarryTheFix) {
  const HostFacts none;
  EXPECT_TRUE(PredictMeasured(*ProfileForRelease("6.1.190", nullptr), none).secretmem_locked);
  EXPECT_FALSE(PredictMeasured(*ProfileForRelease("6.1.191", nullptr), none).secretmem_locked);
  EXPECT_FALSE(PredictMeasured(*ProfileForRelease("6.1.0-57-cloud-amd64", nullptr, "#1 SMP Debian 6.1.192-3"), none)
                   .secretmem_locked);
  EXPECT_TRUE(PredictMeasured(*ProfileForRelease("6.12.112", nullptr), none).secretmem_locked);
  EXPECT_FALSE(PredictMeasured(*ProfileForRelease("6.12.118", nullptr), none).secretmem_locked);
  EXPECT_TRUE(PredictMeasured(*ProfileForRelease("6.18.44", nullptr), none).secretmem_locked);  // no 6.18.y known
}

TEST(MeasuredBehaviourTest, ExecuteOnlyProtExecFollowsProtectionKeys) {
  const KernelProfile p = *ProfileForRelease("6.12.0", nullptr);
  EXPECT_TRUE(PredictMeasured(p, {"", false}).exec_only_readable);
  EXPECT_FALSE(PredictMeasured(p, {"", true}).exec_only_readable);
  MeasuredBehaviour measured = PredictMeasured(p, {"", false});
  measured.exec_only_readable = false;
  EXPECT_THAT(UnexplainedMeasurements(measured, PredictMeasured(p, {"", false})),
              ::testing::ElementsAre(::testing::HasSubstr("execute-only without protection keys")));
}

}  // namespace
}  // namespace mlc
