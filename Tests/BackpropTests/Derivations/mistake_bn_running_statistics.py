# The running statistics (inference-time estimates) used in train mode, where batch norm uses the
# batch's own μ and σ². running_mean1 and running_var1 are predefined, different from the batch's.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
mu1 = running_mean1                                                 # expect: running statistics used in train mode
var1 = running_var1                                                 # expect: running statistics used in train mode
Zhat1 = (Z1 - running_mean1) / np.sqrt(running_var1 + eps)          # expect: running statistics used in train mode
Zhat1 = (Z1 - mu1) / np.sqrt(var1)                                  # expect: ε missing
dZ2 = A2 - Y                                                        # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)                        # expect: correct
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dZ1 = dZhat1 / np.sqrt(running_var1 + eps)                          # expect: running statistics used in train mode
