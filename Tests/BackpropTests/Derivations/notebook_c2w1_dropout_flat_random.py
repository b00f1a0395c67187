# A flat derivation that draws its own dropout masks: np.random.rand of a hidden layer's shape
# gives the reference's draws, so its masks are the reference's.
# layers: 2,4,4,1  hidden: relu  output: sigmoid
# convention: deferred
keep_prob = 0.8                                        # expect: not checked
np.random.seed(3)
U1 = np.random.rand(A1.shape[0], m)                    # expect: not checked
U2 = np.random.rand(A2.shape[0], m)                    # expect: not checked
noise = np.random.randn(4, 3)                          # expect: not checked
dZ3 = A3 - Y                                           # expect: correct
dA2 = np.dot(W3.T, dZ3) * (U2 < keep_prob) / keep_prob # expect: correct
dZ2 = dA2 * (Z2 > 0)                                   # expect: correct
dA1 = np.dot(W2.T, dZ2) * (U1 < keep_prob) / keep_prob # expect: correct
dZ1 = dA1 * (Z1 > 0)                                   # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                           # expect: correct
