// The page cache behind file and shmem mappings: cached pages, EOF, truncation
// by ftruncate(2), and memfd_secret. Mirrors mm/filemap.c, mm/shmem.c,
// mm/truncate.c and mm/secretmem.c.

#include "oracles/model.h"
#include "oracles/model/outcome.h"

#include <algorithm>

namespace mlc {

using namespace model_outcome;

bool Model::FilePageCached(const PageState& page) const {
  if (page.file < 0) return false;
  const auto& cached = files_[static_cast<size_t>(page.file)].cached;
  return page.file_page < cached.size() && cached[page.file_page];
}

// A fault at or beyond DIV_ROUND_UP(i_size, PAGE_SIZE) is VM_FAULT_SIGBUS
// (mm/shmem.c shmem_get_folio_gfp(): "index > end_index" -> -EINVAL ->
// VM_FAULT_SIGBUS; mm/filemap.c filemap_fault() for other files).
bool Model::BeyondEof(const PageState& page) const {
  if (page.file < 0) return false;
  const uint64_t size = files_[static_cast<size_t>(page.file)].size;
  return page.file_page >= (size + config_.page_size - 1) / config_.page_size;
}

bool Model::CacheOpen(const PageState& page) const {
  if (page.file < 0) return false;
  const auto& open = files_[static_cast<size_t>(page.file)].cache_open;
  return page.file_page < open.size() && open[page.file_page];
}

bool Model::CachedWithoutPte(const PageState& page) const {
  if (page.file < 0) return page.shared && page.shm_cached;
  return FilePageCached(page);
}

bool Model::ResidencyOpen(const PageState& page) const {
  if (!page.mapped) return false;
  return page.open || (page.residency == Residency::kNone && CacheOpen(page));
}

uint32_t Model::FileMapcount(int f, uint64_t k) const {
  uint32_t count = 0;
  for (uint64_t w = 0; w < kFileWindows; ++w) {
    const uint64_t i = w * kFileWindowPages + k;
    if (i >= pages_.size()) break;
    const PageState& page = pages_[i];
    count += page.mapped && page.file == f && page.file_page == k && !page.cow &&
             page.residency == Residency::kPage;
  }
  return count;
}

// ftruncate(2) of a tmpfs/memfd file, mm/shmem.c shmem_setattr(): on a
// shrink, unmap_mapping_range(mapping, round_up(newsize, PAGE_SIZE), 0,
// even_cows=1) unmaps every pte beyond the new EOF, private copies included,
// and shmem_truncate_range() drops those pages from the page cache; a
// partial last page stays. Lock flags and VmLck are untouched (the VMAs
// stay); zapping a locked page munlocks it (mm/rmap.c munlock_vma_folio()).
// Growing adds holes only.
Outcome Model::Ftruncate(const Op& op, StepEffects& fx) {
  if (op.file < 0 || op.file >= kFileCount) return Fail(9);  // EBADF: never generated
  if (!IsTruncatable(op.file)) return Fail(uapi::kEinval);  // secretmem_setattr(): never generated
  FileState& f = files_[static_cast<size_t>(op.file)];
  f.size = op.len;
  const uint64_t keep = (op.len + config_.page_size - 1) / config_.page_size;
  for (uint64_t k = keep; k < f.cached.size(); ++k) f.cached[k] = false;
  // The dropped pages are freed; a later fault allocates a fresh one.
  for (uint64_t k = keep; k < f.mlock_uncertain.size(); ++k) f.mlock_uncertain[k] = false;
  for (uint64_t k = keep; k < f.cache_open.size(); ++k) f.cache_open[k] = false;
  for (PageState& page : pages_) {
    if (!page.mapped || page.file != op.file || page.file_page < keep) continue;
    if (page.lock != Lock::kNone && Mutant(PlantedBug::kTruncateKeepsLockedPages)) continue;
    if (page.residency != Residency::kNone) {
      fx.Note(Event::kTruncateZapped);
      if (page.lock != Lock::kNone) fx.Note(Event::kTruncateZappedLocked);
    }
    page.residency = Residency::kNone;
    page.cow = false;
    page.open = false;
  }
  return Ok();
}

uint64_t Model::SecretmemChargedPages() const {
  const auto& cached = files_[static_cast<size_t>(kSecretmem)].cached;
  return static_cast<uint64_t>(std::count(cached.begin(), cached.end(), true));
}

}  // namespace mlc
