# The "dvar → dmean term missing" bug (darknet#1723, #1634), both halves of it.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
dZ2 = A2 - Y                                                        # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)                        # expect: correct
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dvar1 = np.sum(dZhat1 * (Z1 - mu1), axis=1, keepdims=True) * -0.5 * (var1 + eps) ** -1.5   # expect: correct
# dμ without dσ² · (−2/m) Σ (Z − μ): harmless, that term is zero (Σ (Z − μ) = 0). Correct, with a note.
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) # expect: correct
# dZ without the dσ² path: this is the version that matters.
dZ1 = dZhat1 / np.sqrt(var1 + eps) + dmu1 / m                       # expect: the dσ² path left out of dZ1
# The same mistake in the compact form: the third term, − Ẑ ⊙ Σ dẐ ⊙ Ẑ, is the dσ² path.
dZ1 = 1 / (m * np.sqrt(var1 + eps)) * (m * dZhat1 - np.sum(dZhat1, axis=1, keepdims=True))   # expect: the dσ² path left out of dZ1
# The dμ path left out instead, and both (μ and σ² treated as constants, the eval-mode gradient).
dZ1 = dZhat1 / np.sqrt(var1 + eps) + dvar1 * 2 * (Z1 - mu1) / m     # expect: the dμ path left out of dZ1
dZ1 = dZhat1 / np.sqrt(var1 + eps)                                  # expect: μ and σ² treated as constants
dW1 = 1/m * np.dot(dZ1, X.T)                                        # expect: correct
