# Batch norm, the compact three-term dZ: dZ = (γ / (m √(σ²+ε))) (m dZ̃ − Σ dZ̃ − Ẑ ⊙ Σ dZ̃ ⊙ Ẑ).
# Under 'deferred' dZ̃ is per example; the 1/m inside is batch norm's own (μ and σ² are averages).
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
dZ2 = A2 - Y                                                        # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                                       # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)                      # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))                # expect: correct
dgamma1 = np.mean(dZtilde1 * Zhat1, axis=1, keepdims=True)          # expect: correct
dbeta1 = np.mean(dZtilde1, axis=1, keepdims=True)                   # expect: correct
dZ1 = gamma1 / (m * np.sqrt(var1 + eps)) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))    # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                                        # expect: correct
