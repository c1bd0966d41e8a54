// RAII owners for zstd contexts. A context is expensive to create (it holds
// the match-finder tables), so writers and readers keep one for their life
// and reuse it for every block.
//
// Thread-safety: a context is used by one thread at a time.
#pragma once

#include <zstd.h>

#include <memory>

namespace kpi {

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
using ZstdCCtx = std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter>;
using ZstdDCtx = std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter>;

inline ZstdCCtx NewZstdCCtx() { return ZstdCCtx(ZSTD_createCCtx()); }
inline ZstdDCtx NewZstdDCtx() { return ZstdDCtx(ZSTD_createDCtx()); }

}  // namespace kpi
