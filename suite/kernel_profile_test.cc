#include "oracles/kernel_profile.h"

#include <gtest/gtest.h>

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

TEST(KernelProfileTest, MremapIsModelledFrom61To615AndSince617) {
  for (const char* classic : {"6.1.0-56-cloud-amd64", "6.12.48+deb12-cloud-amd64", "6.15.11"}) {
    EXPECT_TRUE(ProfileForRelease(classic, nullptr)->mremap_modelled) << classic;
    EXPECT_TRUE(ProfileForRelease(classic, nullptr)->mremap_classic) << classic;
  }
  for (const char* unmodelled : {"6.0.19", "5.15.170", "6.16.9"}) {
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

}  // namespace
}  // namespace mlc
