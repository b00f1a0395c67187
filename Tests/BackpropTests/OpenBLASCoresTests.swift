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

    @Test("A weak core is reopened with the level's core type, or passed over when the user chose it")
    func reopening() {
        #if arch(x86_64)
        #expect(OpenBLASCores.decision(core: "Prescott", userChoice: nil, level: .avx512) == .reopen("SkylakeX"))
        #expect(OpenBLASCores.decision(core: "Haswell", userChoice: nil, level: .avx512) == .reopen("SkylakeX"))
        #expect(OpenBLASCores.decision(core: "Prescott", userChoice: nil, level: .avx2) == .reopen("Haswell"))
        #expect(OpenBLASCores.decision(core: "Sandybridge", userChoice: nil, level: .avx2) == .reopen("Haswell"))
        // The user's core type is kept; below the CPU's level the search leaves the library.
        #expect(OpenBLASCores.decision(core: "Haswell", userChoice: "Haswell", level: .avx512) == .passOver)
        #expect(OpenBLASCores.decision(core: "Prescott", userChoice: "Prescott", level: .avx512) == .passOver)
        #expect(OpenBLASCores.decision(core: "Prescott", userChoice: "Prescott", level: .avx2) == .passOver)
        #expect(OpenBLASCores.decision(core: "SkylakeX", userChoice: "SkylakeX", level: .avx512) == .keep)
        #expect(OpenBLASCores.decision(core: "Haswell", userChoice: "Haswell", level: .avx2) == .keep)
        // Nothing to do: the core suits, or the CPU is baseline.
        #expect(OpenBLASCores.decision(core: "SkylakeX", userChoice: nil, level: .avx512) == .keep)
        #expect(OpenBLASCores.decision(core: "Zen", userChoice: nil, level: .avx2) == .keep)
        #expect(OpenBLASCores.decision(core: "Prescott", userChoice: nil, level: .baseline) == .keep)
        #expect(OpenBLASCores.decision(core: "Prescott", userChoice: "Prescott", level: .baseline) == .keep)
        #endif
        // Every level's core type suits that level.
        for level in KernelInstructionSet.allCases {
            if let core = OpenBLASCores.coreType(for: level) { #expect(OpenBLASCores.suits(core, level)) }
        }
    }

    @Test("A core type the user set below the CPU's level passes the library over")
    func userCoreBelowLevel() throws {
        // The core this process's OpenBLAS chose (after its own detection and any
        // OPENBLAS_CORETYPE), without the reopening the default search may do.
        guard let loaded = try? DynamicBLAS(path: "libopenblas.so.0"), let core = loaded.coreName else { return }
        for level in KernelInstructionSet.allCases {
            let outcome = try OpenBLASCores.open(
                path: "libopenblas.so.0", environment: [OpenBLASCores.variable: core], level: level)
            switch outcome {
            case let .library(library):
                #expect(OpenBLASCores.suits(core, level), "\(core) kept at \(level)")
                #expect(library.note == nil)
            case let .weak(library):
                #expect(!OpenBLASCores.suits(core, level), "\(core) passed over at \(level)")
                #expect(library.note == "OPENBLAS_CORETYPE=\(core) holds OpenBLAS to \(core)'s kernels on this CPU (\(level))")
                #expect(library.coreName == core)
            }
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
