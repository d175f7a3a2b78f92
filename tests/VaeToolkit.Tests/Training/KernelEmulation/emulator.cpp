// Builds with the kernels into a shared library for KernelEmulator.cs:
//   g++ -std=c++20 -O1 -shared -fPIC -I<folder of multvae_kernels.cu> emulator.cpp -o libkernel_emulator.so
// emulate(name, blocks, threads, arguments) runs one launch; arguments point at one 8-byte slot each,
// as cuLaunchKernel takes them.
#include "cuda_emulation.h"
#include "multvae_kernels.cu"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>
#include <ucontext.h>

namespace emulation
{
EmulatedDim block_index, block_dim, grid_dim;

namespace
{
constexpr size_t StackBytes = 64 * 1024;
ucontext_t scheduler;
std::vector<ucontext_t> fibers;
std::vector<char> stacks;
std::vector<bool> finished;
std::vector<float> exchange;
unsigned int current;
void (*body)(void**);
void** body_arguments;

void fiber_main()
{
    body(body_arguments);
    finished[current] = true; // returning resumes the scheduler (uc_link)
}
}

EmulatedDim thread_index() { return {current, 0, 0}; }

void sync_threads() { swapcontext(&fibers[current], &scheduler); }

float shuffle_xor(float value, int lane_mask)
{
    exchange[current] = value;
    sync_threads(); // every lane has written
    float other = exchange[current ^ lane_mask];
    sync_threads(); // every lane has read before the next exchange
    return other;
}

// Each round resumes every unfinished fiber once; a fiber runs until its next barrier or its end.
void run(unsigned int blocks, unsigned int threads, void (*kernel)(void**), void** arguments)
{
    grid_dim = {blocks, 1, 1};
    block_dim = {threads, 1, 1};
    body = kernel;
    body_arguments = arguments;
    fibers.resize(threads);
    stacks.resize(threads * StackBytes);
    exchange.assign(threads, 0.0f);
    // Blocks in a shuffled order (the same every run): CUDA promises no order, and a kernel that counts
    // on one, either way round, fails here.
    std::vector<unsigned int> order(blocks);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937(12345));
    for (unsigned int b : order)
    {
        block_index = {b, 0, 0};
        finished.assign(threads, false);
        for (unsigned int t = 0; t < threads; t++)
        {
            getcontext(&fibers[t]);
            fibers[t].uc_stack.ss_sp = &stacks[t * StackBytes];
            fibers[t].uc_stack.ss_size = StackBytes;
            fibers[t].uc_link = &scheduler;
            makecontext(&fibers[t], fiber_main, 0);
        }
        for (bool running = true; running;)
        {
            running = false;
            for (current = 0; current < threads; current++)
            {
                if (finished[current]) continue;
                running = true;
                swapcontext(&scheduler, &fibers[current]);
            }
        }
    }
}
}

// Calls a kernel with its parameters read from the argument slots.
template <typename... Parameters>
void call(void (*kernel)(Parameters...), void** arguments)
{
    [&]<size_t... Index>(std::index_sequence<Index...>) {
        kernel(*static_cast<Parameters*>(arguments[Index])...);
    }(std::index_sequence_for<Parameters...>());
}

template <auto Kernel>
void launch(void** arguments) { call(Kernel, arguments); }

#define KERNEL(name) {#name, launch<name>},
struct Entry { const char* name; void (*launch)(void**); };
const Entry Kernels[] = {
    KERNEL(likelihood_forward_fp32) KERNEL(likelihood_backward_fp32)
    KERNEL(likelihood_forward_bf16) KERNEL(likelihood_backward_bf16)
    KERNEL(likelihood_forward_fp16) KERNEL(likelihood_backward_fp16)
    KERNEL(segment_sum) KERNEL(adam_step)
};

extern "C" int emulate(const char* name, unsigned int blocks, unsigned int threads, void** arguments)
{
    for (const Entry& kernel : Kernels)
    {
        if (std::string(kernel.name) != name) continue;
        emulation::run(blocks, threads, kernel.launch, arguments);
        return 0;
    }
    return 1; // no such kernel
}
