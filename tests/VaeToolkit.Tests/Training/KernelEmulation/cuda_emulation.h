// Just enough of CUDA to run multvae_kernels.cu on the CPU, for tests: each thread of a block is a
// fiber (ucontext) on one OS thread, run round-robin; __syncthreads and the warp shuffles switch to the
// next fiber, so every thread of the block reaches a barrier before any passes it. Blocks run one after
// another (in a shuffled order), which makes __shared__ variables plain statics and atomics plain additions.
#pragma once
#include <algorithm>
#include <cstring>
#include <math.h>

struct EmulatedDim { unsigned int x, y, z; };

namespace emulation
{
extern EmulatedDim block_index, block_dim, grid_dim;
EmulatedDim thread_index();
void sync_threads();
float shuffle_xor(float value, int lane_mask);
}

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define threadIdx (emulation::thread_index())
#define blockIdx (emulation::block_index)
#define blockDim (emulation::block_dim)
#define gridDim (emulation::grid_dim)

using std::max;
using std::min;

inline void __syncthreads() { emulation::sync_threads(); }
inline float __shfl_xor_sync(unsigned int, float value, int lane_mask) { return emulation::shuffle_xor(value, lane_mask); }
inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline unsigned int __float_as_uint(float f) { unsigned int u; std::memcpy(&u, &f, 4); return u; }
inline float atomicAdd(float* address, float value) { float old = *address; *address = old + value; return old; }
