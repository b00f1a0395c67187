# Batch norm's own 1/m left out: μ and σ² are averages over m, so dZ has a 1/m under either convention.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
dZ2 = A2 - Y                                                        # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)                        # expect: correct
dgamma1 = np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)           # expect: off by a factor m: 1/m missing
dZ1 = gamma1 / np.sqrt(var1 + eps) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))    # expect: off by a factor m: 1/m missing — batch norm's own 1/m
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dvar1 = np.sum(dZhat1 * (Z1 - mu1), axis=1, keepdims=True) * -0.5 * (var1 + eps) ** -1.5   # expect: correct
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) # expect: correct
dZ1 = gamma1 * dZtilde1 / np.sqrt(var1 + eps) + dvar1 * 2 * (Z1 - mu1) + dmu1   # expect: 1/m missing from the dσ² and dμ terms
