# γ left out of dẐ = γ ⊙ dZ̃ (and of the forward Z̃ = γ Ẑ + β).
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
Ztilde1 = Zhat1 + beta1                                             # expect: γ missing
dZ2 = A2 - Y                                                        # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)                        # expect: correct
dZhat1 = dZtilde1                                                   # expect: γ missing
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dvar1 = np.sum(dZtilde1 * (Z1 - mu1), axis=1, keepdims=True) * -0.5 * (var1 + eps) ** -1.5   # expect: γ missing
dZ1 = 1 / (m * np.sqrt(var1 + eps)) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))    # expect: γ missing
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) # expect: correct
dZ1 = dZtilde1 / np.sqrt(var1 + eps) + dvar1 * 2 * (Z1 - mu1) / m + dmu1 / m   # expect: γ missing: dZ̃[1] used where dẐ[1] = γ[1] ⊙ dZ̃[1] is meant (in the first term
