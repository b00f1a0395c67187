# dγ and dβ summed over the wrong axis, or without keepdims.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
dZ2 = A2 - Y                                                        # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)                        # expect: correct
dgamma1 = 1/m * np.sum(dZtilde1 * Zhat1, axis=0, keepdims=True)     # expect: summed over the wrong axis: axis=0
dbeta1 = 1/m * np.sum(dZtilde1, axis=0)                             # expect: summed over the wrong axis: axis=0
dgamma1 = 1/m * np.sum(dZtilde1 * Zhat1, axis=1)                    # expect: keepdims missing
dbeta1 = 1/m * np.sum(dZtilde1)                                     # expect: summed over the wrong axis: over all axes
dbeta1 = 1/m * np.sum(dZtilde1, axis=1, keepdims=True)              # expect: correct
