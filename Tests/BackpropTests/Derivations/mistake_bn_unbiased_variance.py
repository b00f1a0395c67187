# The unbiased variance (m − 1, ddof=1) where batch norm normalizes with the biased one (PyTorch
# keeps the unbiased variance for running_var only).
# layers: 2,4,1  hidden: relu  output: sigmoid  batchnorm: yes
# convention: deferred
mu1 = np.mean(Z1, axis=1, keepdims=True)                            # expect: correct
var1 = np.sum((Z1 - mu1) ** 2, axis=1, keepdims=True) / (m - 1)     # expect: unbiased variance: divided by m − 1
var1 = np.var(Z1, axis=1, keepdims=True, ddof=1)                    # expect: unbiased variance: divided by m − 1
Zhat1 = (Z1 - mu1) / np.sqrt(np.var(Z1, axis=1, ddof=1, keepdims=True) + eps)   # expect: unbiased variance used in the normalization
Zhat1 = (Z1 - mu1) / np.std(Z1, axis=1, keepdims=True, ddof=1)      # expect: unbiased variance used in the normalization (and ε missing)
dZ2 = A2 - Y                                                        # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (Ztilde1 > 0)                        # expect: correct
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dvar1 = np.sum(dZhat1 * (Z1 - mu1), axis=1, keepdims=True) * -0.5 * (var1 + eps) ** -1.5   # expect: correct
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) # expect: correct
dZ1 = dZhat1 / np.sqrt(var1 + eps) + dvar1 * 2 * (Z1 - mu1) / (m - 1) + dmu1 / m   # expect: unbiased variance: 2(Z1 − μ[1])/(m − 1)
dZ1 = gamma1 / ((m - 1) * np.sqrt(var1 + eps)) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))    # expect: off by m/(m − 1): m − 1 used where m is meant
