import Testing
@testable import Backprop
#if canImport(Glibc)
import Glibc
#endif

/// An OpenBLAS that took the CPU for an older one (Debian 12's 0.3.21 on an Emerald Rapids
/// Xeon: Prescott's SSE3 kernels, a fifth of the speed) is opened again with the right core.
struct OpenBLASCoresTests {
    @Test("Which OpenBLAS cores have kernels for which level")
    func suits() {
        #if arch(x86_64)
        for core in ["SkylakeX", "Cooperlake", "SapphireRapids", "skylakex"] {
            #expect(OpenBLASCores.suits(core, .avx512), "\(core)")
            #expect(OpenBLASCores.suits(core, .avx2), "\(core)")
        }
        for core in ["Haswell", "Zen"] {
            #expect(!OpenBLASCores.suits(core, .avx512), "\(core)")
            #expect(OpenBLASCores.suits(core, .avx2), "\(core)")
        }
        for core in ["Prescott", "Katmai", "Core2", "Nehalem", "Sandybridge", "Barcelona", "Excavator", "Unknown", ""] {
            #expect(!OpenBLASCores.suits(core, .avx512), "\(core)")
            #expect(!OpenBLASCores.suits(core, .avx2), "\(core)")
            #expect(OpenBLASCores.suits(core, .baseline), "\(core)")
        }
        #endif
    }

    @Test("A weak core is reopened with the level's core type, unless the user chose one")
    func reopening() {
        #if arch(x86_64)
        #expect(OpenBLASCores.reopening(core: "Prescott", userSet: false, level: .avx512) == "SkylakeX")
        #expect(OpenBLASCores.reopening(core: "Haswell", userSet: false, level: .avx512) == "SkylakeX")
        #expect(OpenBLASCores.reopening(core: "Prescott", userSet: false, level: .avx2) == "Haswell")
        #expect(OpenBLASCores.reopening(core: "Sandybridge", userSet: false, level: .avx2) == "Haswell")
        // Nothing to do: the core suits, the user set OPENBLAS_CORETYPE, or the CPU is baseline.
        #expect(OpenBLASCores.reopening(core: "SkylakeX", userSet: false, level: .avx512) == nil)
        #expect(OpenBLASCores.reopening(core: "Zen", userSet: false, level: .avx2) == nil)
        #expect(OpenBLASCores.reopening(core: "Prescott", userSet: true, level: .avx512) == nil)
        #expect(OpenBLASCores.reopening(core: "Prescott", userSet: false, level: .baseline) == nil)
        #endif
        // Every level's core type suits that level.
        for level in KernelInstructionSet.allCases {
            if let core = OpenBLASCores.coreType(for: level) { #expect(OpenBLASCores.suits(core, level)) }
        }
    }

    @Test("The system BLAS Backprop chooses runs kernels for this CPU, or says why not")
    func systemChoice() throws {
        let level = KernelInstructionSet.supported
        let userSet = getenv(OpenBLASCores.variable) != nil
        // The process's own backend (which BACKPROP_BLAS may have set) and the default search.
        for backend in [try LinearAlgebra.selection.get(), try LinearAlgebra.select(environment: [:]).get()] {
            if let blas = backend as? DynamicBLAS, let core = blas.coreName {
                #expect(OpenBLASCores.suits(core, level) || userSet || blas.note?.contains("did not take effect") == true,
                        "OpenBLAS runs its \(core) kernels on a CPU at \(level)")
                if blas.note?.contains("opened it again") == true {
                    #expect(blas.version.contains(OpenBLASCores.coreType(for: level) ?? "?"))
                    // The variable set to reopen it is not left behind.
                    #expect(!userSet)
                }
            } else if let note = backend.note {
                #expect(backend.name == "builtin")
                #expect(note.contains("passed over"))
            }
        }
    }
}
