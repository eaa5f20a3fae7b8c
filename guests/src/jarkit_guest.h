/* Minimal support for jarkit's C guest programs: exports and host calls in the form the
 * polkavm-linker expects (metadata sections referenced by 64-bit absolute relocations), plus
 * the few libc functions the compiler may call on its own. No libc is linked. */
#ifndef JARKIT_GUEST_H
#define JARKIT_GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long usize;

/* Export `name` (a function taking `nin` u64 arguments and returning `nout` values) so that a
 * host can call it by name. */
#define JARKIT_EXPORT(name, nin, nout)                                                       \
    __asm__(".pushsection .polkavm_metadata,\"aw\",@progbits\n"                             \
            ".L_jk_sym_" #name ": .ascii \"" #name "\"\n"                                    \
            ".L_jk_meta_" #name ":\n"                                                        \
            ".byte 1\n"                                                                      \
            ".4byte 0\n"                                                                     \
            ".4byte .L_jk_meta_" #name " - .L_jk_sym_" #name "\n"                            \
            ".8byte .L_jk_sym_" #name "\n"                                                   \
            ".byte " #nin "\n"                                                               \
            ".byte " #nout "\n"                                                              \
            ".popsection\n"                                                                  \
            ".pushsection .polkavm_exports,\"aw\",@progbits\n"                              \
            ".byte 1\n"                                                                      \
            ".8byte .L_jk_meta_" #name "\n"                                                  \
            ".8byte " #name "\n"                                                             \
            ".popsection\n")

/* Declare host function number `index` as `name`: one u64 argument, one u64 result. Calling it
 * executes `ecalli index`. Like a function call, a host call may change every caller-saved
 * register (the linker relies on this), so the asm lists them as clobbered. */
#define JARKIT_IMPORT(name, index)                                                           \
    __asm__(".pushsection .polkavm_metadata,\"aw\",@progbits\n"                             \
            ".L_jk_isym_" #name ": .ascii \"" #name "\"\n"                                   \
            ".L_jk_imeta_" #name ":\n"                                                       \
            ".byte 2\n"                                                                      \
            ".4byte 0\n"                                                                     \
            ".4byte .L_jk_imeta_" #name " - .L_jk_isym_" #name "\n"                          \
            ".8byte .L_jk_isym_" #name "\n"                                                  \
            ".byte 1\n"                                                                      \
            ".byte 1\n"                                                                      \
            ".byte 1\n"                                                                      \
            ".4byte " #index "\n"                                                            \
            ".popsection\n");                                                                \
    static inline u64 name(u64 arg) {                                                        \
        register u64 a0 __asm__("a0") = arg;                                                 \
        __asm__ volatile(".insn r 0xb, 0, 0, zero, zero, zero\n"                             \
                         ".8byte .L_jk_imeta_" #name "\n"                                    \
                         : "+r"(a0)                                                          \
                         :                                                                   \
                         : "memory", "ra", "t0", "t1", "t2", "a1", "a2", "a3", "a4", "a5");  \
        return a0;                                                                           \
    }

void *memcpy(void *dst, const void *src, usize n);
void *memset(void *dst, int c, usize n);
void *memmove(void *dst, const void *src, usize n);
int memcmp(const void *a, const void *b, usize n);

#endif
