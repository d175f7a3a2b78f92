// The CUDA kernels of the fused training path, compiled at run time with NVRTC (see CudaKernels.cs).
// Plain CUDA C++ with no headers and no inline PTX: NVRTC compiles the file on its own, and the tests
// also compile it with g++ over a small emulation of CUDA (tests/.../KernelEmulation) to run it on the CPU.
//
// Layouts, as the C# side passes them:
//   logits       [rows, row_stride] in the compute type, a row a multiple of 16 bytes (16-byte aligned);
//                columns >= items are padding.
//   row_starts   int32 [rows]: where each row's entries start (the embedding bag's offsets).
//   entry_items  int32 [entries]: the items of every row, row after row, no duplicates in a row.
// The likelihood kernels give one thread block to one row, its threads striding over the columns.

struct Bf16 { unsigned short bits; };
struct Fp16 { unsigned short bits; };

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(Bf16 v) { return __uint_as_float(((unsigned int)v.bits) << 16); }
__device__ __forceinline__ float to_float(Fp16 v)
{
    unsigned int sign = ((unsigned int)v.bits & 0x8000u) << 16;
    unsigned int exponent = (v.bits >> 10) & 0x1fu, mantissa = v.bits & 0x3ffu;
    if (exponent == 0) // zero or subnormal: mantissa × 2^-24
        return __uint_as_float(sign | __float_as_uint((float)mantissa * 5.9604644775390625e-8f));
    if (exponent == 31) // infinity or NaN
        return __uint_as_float(sign | 0x7f800000u | (mantissa << 13));
    return __uint_as_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

template <typename T> __device__ __forceinline__ T from_float(float f);
template <> __device__ __forceinline__ float from_float<float>(float f) { return f; }
template <> __device__ __forceinline__ Bf16 from_float<Bf16>(float f)
{
    // Round to nearest even, as torch's cast does; NaN stays NaN.
    unsigned int u = __float_as_uint(f);
    Bf16 r;
    if ((u & 0x7fffffffu) > 0x7f800000u) { r.bits = 0x7fc0; return r; }
    u += 0x7fffu + ((u >> 16) & 1u);
    r.bits = (unsigned short)(u >> 16);
    return r;
}
template <> __device__ __forceinline__ Fp16 from_float<Fp16>(float f)
{
    // Round to nearest even. Magnitudes from 65520 up become infinity; NaN stays NaN.
    unsigned int u = __float_as_uint(f);
    unsigned int sign = (u >> 16) & 0x8000u;
    u &= 0x7fffffffu;
    unsigned int bits;
    if (u >= 0x47800000u) // 2^16 and up: infinity, or NaN
        bits = u > 0x7f800000u ? 0x7e00u : 0x7c00u;
    else if (u < 0x38800000u) // below 2^-14: a subnormal or zero; the float addition does the rounding
        bits = __float_as_uint(__uint_as_float(u) + 0.5f) - 0x3f000000u;
    else // normal: rebias the exponent and round the 13 dropped bits to even (a carry may make it infinity)
        bits = (u + 0xc8000fffu + ((u >> 13) & 1u)) >> 13;
    Fp16 r;
    r.bits = (unsigned short)(sign | bits);
    return r;
}

// 16 bytes of a row, read or written in one access: 4 fp32 or 8 half-precision values. A thread that
// moves 16 bytes at a time keeps enough reads in flight to stream the logits at full memory speed.
struct alignas(16) Pack
{
    unsigned int words[4];
};

// The i-th value of a pack of T, as a float; the last argument only picks T.
__device__ __forceinline__ float unpack(const Pack& p, int i, float) { return __uint_as_float(p.words[i]); }
__device__ __forceinline__ unsigned short half_bits(const Pack& p, int i) { return (unsigned short)(p.words[i >> 1] >> (16 * (i & 1))); }
__device__ __forceinline__ float unpack(const Pack& p, int i, Bf16) { Bf16 v; v.bits = half_bits(p, i); return to_float(v); }
__device__ __forceinline__ float unpack(const Pack& p, int i, Fp16) { Fp16 v; v.bits = half_bits(p, i); return to_float(v); }

// Stores value as the i-th T of a pack whose words start at zero.
__device__ __forceinline__ void pack(Pack& p, int i, float value, float) { p.words[i] = __float_as_uint(value); }
__device__ __forceinline__ void pack(Pack& p, int i, float value, Bf16) { p.words[i >> 1] |= (unsigned int)from_float<Bf16>(value).bits << (16 * (i & 1)); }
__device__ __forceinline__ void pack(Pack& p, int i, float value, Fp16) { p.words[i >> 1] |= (unsigned int)from_float<Fp16>(value).bits << (16 * (i & 1)); }

__device__ __forceinline__ float negative_infinity() { return __int_as_float(0xff800000); }

// Adds the softmax partial sums (max m, sum s of exp(x - m)) of two sets of values.
__device__ __forceinline__ void combine(float& m, float& s, float other_m, float other_s)
{
    float top = fmaxf(m, other_m);
    if (top == negative_infinity()) return; // both empty
    s = s * expf(m - top) + other_s * expf(other_m - top);
    m = top;
}

// Block-wide reductions; every thread gets the result. blockDim.x is a multiple of 32, at most 1024.
__device__ float block_sum(float v, float* scratch)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    __syncthreads(); // scratch may still be read by an earlier reduction
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ void block_softmax_sums(float& m, float& s, float* scratch)
{
    for (int offset = 16; offset > 0; offset >>= 1)
        combine(m, s, __shfl_xor_sync(0xffffffffu, m, offset), __shfl_xor_sync(0xffffffffu, s, offset));
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) { scratch[warp] = m; scratch[32 + warp] = s; }
    __syncthreads();
    m = lane < warps ? scratch[lane] : negative_infinity();
    s = lane < warps ? scratch[32 + lane] : 0.0f;
    for (int offset = 16; offset > 0; offset >>= 1)
        combine(m, s, __shfl_xor_sync(0xffffffffu, m, offset), __shfl_xor_sync(0xffffffffu, s, offset));
}

__device__ __forceinline__ int row_end(const int* row_starts, int row, int rows, int entries)
{
    return row + 1 < rows ? row_starts[row + 1] : entries;
}

// Forward of the multinomial likelihood: for each row u its log-sum-exp over the items, and its
// negative log-likelihood n_u * lse_u - sum of the logits at its n_u positives. One read of the row.
template <typename T>
__device__ void likelihood_forward(const T* logits, long long row_stride, int items, const int* row_starts,
                                   const int* entry_items, int rows, int entries, float* log_sum_exp, float* row_loss)
{
    __shared__ float scratch[64];
    int row = blockIdx.x;
    const T* x = logits + row * row_stride;
    const Pack* packs = reinterpret_cast<const Pack*>(x);
    const int lanes = 16 / sizeof(T);
    float m = negative_infinity(), s = 0.0f;
    for (int k = threadIdx.x; k * lanes < items; k += blockDim.x)
    {
        Pack p = packs[k];
#pragma unroll
        for (int i = 0; i < lanes; i++)
        {
            if (k * lanes + i >= items) break;
            float v = unpack(p, i, T());
            if (v > m) { s = s * expf(m - v) + 1.0f; m = v; }
            else s += expf(v - m);
        }
    }
    block_softmax_sums(m, s, scratch);
    float lse = m + logf(s);

    int start = row_starts[row], end = row_end(row_starts, row, rows, entries);
    float positives = 0.0f;
    for (int e = start + threadIdx.x; e < end; e += blockDim.x)
        positives += to_float(x[entry_items[e]]);
    positives = block_sum(positives, scratch);
    if (threadIdx.x == 0)
    {
        log_sum_exp[row] = lse;
        row_loss[row] = (float)(end - start) * lse - positives;
    }
}

// Backward: d loss / d logit_uj = g * (n_u * softmax_uj - [j is a positive of u]), g the upstream
// gradient read from device memory (no host round trip). Padding columns get 0. The positives are
// written a second time with their own value, after a barrier, so each element is rounded once.
template <typename T>
__device__ void likelihood_backward(const T* logits, long long row_stride, int items, const int* row_starts,
                                    const int* entry_items, int rows, int entries, const float* log_sum_exp,
                                    const float* upstream, T* gradient)
{
    int row = blockIdx.x;
    const T* x = logits + row * row_stride;
    T* dx = gradient + row * row_stride;
    int start = row_starts[row], end = row_end(row_starts, row, rows, entries);
    float g = *upstream, lse = log_sum_exp[row];
    float scale = g * (float)(end - start);
    const Pack* packs = reinterpret_cast<const Pack*>(x);
    Pack* gradient_packs = reinterpret_cast<Pack*>(dx);
    const int lanes = 16 / sizeof(T);
    for (long long k = threadIdx.x; k * lanes < row_stride; k += blockDim.x)
    {
        Pack p = packs[k], q = {};
#pragma unroll
        for (int i = 0; i < lanes; i++)
            pack(q, i, k * lanes + i < items ? scale * expf(unpack(p, i, T()) - lse) : 0.0f, T());
        gradient_packs[k] = q;
    }
    __syncthreads(); // orders the block's writes: the positives' values below land last
    for (int e = start + threadIdx.x; e < end; e += blockDim.x)
    {
        int j = entry_items[e];
        dx[j] = from_float<T>(scale * expf(to_float(x[j]) - lse) - g);
    }
}

#define LIKELIHOOD_KERNELS(T, suffix)                                                                          \
    extern "C" __global__ void likelihood_forward_##suffix(const T* logits, long long row_stride, int items,   \
        const int* row_starts, const int* entry_items, int rows, int entries, float* log_sum_exp, float* row_loss) \
    { likelihood_forward<T>(logits, row_stride, items, row_starts, entry_items, rows, entries, log_sum_exp, row_loss); } \
    extern "C" __global__ void likelihood_backward_##suffix(const T* logits, long long row_stride, int items,  \
        const int* row_starts, const int* entry_items, int rows, int entries, const float* log_sum_exp,           \
        const float* upstream, T* gradient)                                                                      \
    { likelihood_backward<T>(logits, row_stride, items, row_starts, entry_items, rows, entries, log_sum_exp, upstream, gradient); }

LIKELIHOOD_KERNELS(float, fp32)
LIKELIHOOD_KERNELS(Bf16, bf16)
LIKELIHOOD_KERNELS(Fp16, fp16)

// The first encoder layer's product, forward and backward, as one scatter-gather sum:
//   output[keys[e], :] += scales[e] * source[gather[e], :]   for every entry e, keys sorted ascending.
// Forward: keys = each entry's row, gather = its item, source = the item weights [items, width].
// Backward: the entries sorted by item; keys = item, gather = row, source = the upstream gradient.
// The caller zeroes output (rows no entry names stay zero). Each block takes SEGMENT_CHUNK consecutive
// entries, so a run of one key as long as the most popular item's costs no block more than the others:
// a run inside the chunk is stored, one that continues into a neighbouring chunk is added atomically.
#define SEGMENT_CHUNK 32
#define SEGMENT_LOADS 8 // source values a thread has in flight at once

__device__ __forceinline__ void flush_run(float* output, int width, int key, int column, float sum, bool shared)
{
    float* target = output + (long long)key * width + column;
    if (shared) atomicAdd(target, sum); else *target = sum;
}

extern "C" __global__ void segment_sum(const float* source, int width, const int* keys, const int* gather,
                                       const float* scales, int entries, float* output)
{
    // The chunk's entries, staged once for all the block's threads.
    __shared__ int chunk_keys[SEGMENT_CHUNK], chunk_gather[SEGMENT_CHUNK];
    __shared__ float chunk_scales[SEGMENT_CHUNK];
    int first = blockIdx.x * SEGMENT_CHUNK;
    int count = min(SEGMENT_CHUNK, entries - first);
    for (int e = threadIdx.x; e < count; e += blockDim.x)
    {
        chunk_keys[e] = keys[first + e];
        chunk_gather[e] = gather[first + e];
        chunk_scales[e] = scales[first + e];
    }
    __syncthreads();
    bool first_run_shared = first > 0 && keys[first - 1] == chunk_keys[0];
    bool last_run_shared = first + count < entries && keys[first + count] == chunk_keys[count - 1];

    for (int c = threadIdx.x; c < width; c += blockDim.x)
    {
        int key = chunk_keys[0];
        bool shared = first_run_shared;
        float sum = 0.0f;
        for (int base = 0; base < count; base += SEGMENT_LOADS)
        {
            // All loads first, then the additions: the loads overlap instead of waiting one by one. An
            // entry of scale 0 (dropped out) reads nothing: dropout 0.5 halves the traffic.
            float values[SEGMENT_LOADS];
#pragma unroll
            for (int u = 0; u < SEGMENT_LOADS; u++)
            {
                int e = base + u;
                float scale = e < count ? chunk_scales[e] : 0.0f;
                values[u] = scale != 0.0f ? scale * source[(long long)chunk_gather[e] * width + c] : 0.0f;
            }
#pragma unroll
            for (int u = 0; u < SEGMENT_LOADS; u++)
            {
                int e = base + u;
                if (e >= count) break;
                if (chunk_keys[e] != key)
                {
                    flush_run(output, width, key, c, sum, shared);
                    key = chunk_keys[e];
                    shared = false;
                    sum = 0.0f;
                }
                sum += values[u];
            }
        }
        flush_run(output, width, key, c, sum, shared || last_run_shared);
    }
}

// One Adam step on one parameter, all in fp32, as TorchSharp's Adam computes it:
//   m = beta1·m + (1 − beta1)·g,  v = beta2·v + (1 − beta2)·g²,
//   p −= step_size · m / (sqrt(v) · inv_sqrt_bias_correction2 + eps)
// One read of p, g, m and v and one write of p, m and v, where the operator form makes about 20 passes.
// step_size, inv_sqrt_bias_correction2 and a skip flag come from device memory (scalars[0..2]), where
// the step count and fp16's overflow check put them, so the host never waits to learn whether the step
// happens; a step with the flag set changes nothing. 1 − beta comes from the host, computed in double:
// in fp32, 1 − 0.999f is off by 5e-5.
extern "C" __global__ void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, long long n,
                                     const float* scalars, float beta1, float one_minus_beta1, float beta2,
                                     float one_minus_beta2, float eps)
{
    if (scalars[2] != 0.0f) return;
    float step_size = scalars[0], inv_sqrt_bias_correction2 = scalars[1];
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        float g = grad[i];
        float m = beta1 * exp_avg[i] + one_minus_beta1 * g;
        float v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g;
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        param[i] -= step_size * m / (sqrtf(v) * inv_sqrt_bias_correction2 + eps);
    }
}
