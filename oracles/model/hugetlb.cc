// MAP_HUGETLB mappings: huge page reservations, faults and the splits the
// kernel refuses. Mirrors mm/hugetlb.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

bool Model::HugetlbSplitRefused(int64_t index) const {
  if (index < 0 || static_cast<uint64_t>(index) >= pages_.size() || config_.huge_page_pages == 0) return false;
  const PageState& page = pages_[static_cast<size_t>(index)];
  // A hugetlb VMA starts and ends on huge page boundaries (mmap aligns it,
  // splits elsewhere are refused), so an unaligned index lies inside one.
  return page.mapped && page.hugetlb && static_cast<uint64_t>(index) % config_.huge_page_pages != 0;
}

void Model::NoteHugetlbVmaStart(int64_t index) {
  if (index < 0 || static_cast<uint64_t>(index) >= pages_.size()) return;
  PageState& page = pages_[static_cast<size_t>(index)];
  if (page.mapped && page.hugetlb) page.vma_start = true;
}

// The huge page holding arena page `index`, all of whose base pages lie in
// its VMA (hugetlb VMAs are huge page aligned): present at once.
void Model::FaultInHugePage(size_t index) {
  const size_t h = static_cast<size_t>(config_.huge_page_pages);
  const size_t base = index - index % h;
  for (size_t j = base; j < base + h && j < pages_.size(); ++j) {
    if (pages_[j].mapped && pages_[j].hugetlb) pages_[j].residency = Residency::kPage;
  }
}

uint64_t Model::HugetlbHeldPages() const {
  if (config_.huge_page_pages == 0) return 0;
  uint64_t private_pages = 0;
  std::vector<uint32_t> files;
  for (const PageState& page : pages_) {
    if (!page.mapped || !page.hugetlb) continue;
    if (!page.shared) {
      ++private_pages;
    } else if (std::find(files.begin(), files.end(), page.shm_id) == files.end()) {
      files.push_back(page.shm_id);
    }
  }
  uint64_t held = private_pages / config_.huge_page_pages;
  for (const auto& [id, size] : hugetlb_files_) {
    if (std::find(files.begin(), files.end(), id) != files.end()) held += size;
  }
  return held;
}

bool Model::AnyHugetlbMapped() const {
  return std::any_of(pages_.begin(), pages_.end(), [](const PageState& p) { return p.mapped && p.hugetlb; });
}

void SetHugetlbConfig(uint64_t huge_page_size, uint64_t free, uint64_t reserved, uint64_t overcommit,
                      ModelConfig* config) {
  config->huge_page_pages = 0;
  config->hugetlb_available = 0;
  if (huge_page_size < config->page_size || huge_page_size % config->page_size != 0 || overcommit != 0) return;
  const uint64_t pages = huge_page_size / config->page_size;
  if (config->arena_base % huge_page_size != 0 || config->arena_pages < pages) return;
  config->huge_page_pages = pages;
  // hugetlb_acct_memory(): a reservation needs resv_huge_pages + delta <=
  // free_huge_pages (gather_surplus_pages() with no overcommit).
  config->hugetlb_available = free > reserved ? free - reserved : 0;
}

}  // namespace mlc
