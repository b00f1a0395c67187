# Temporaries, bare function names, a continuation line, numpy. spelled out.
# layers: 2,3,1  hidden: tanh  output: sigmoid
# convention: absorbed

inv_m = 1.0 / m                        # expect: not checked
dZ2 = inv_m * (A2 - Y)                 # expect: correct
dW2 = dot(dZ2, transpose(A1))          # expect: correct
db2 = sum(dZ2, axis=1, keepdims=True)  # expect: correct

g1 = 1 - tanh(Z1) ** 2                 # expect: not checked
dZ1 = multiply(matmul(W2.T, dZ2), \
               g1)                     # expect: correct
dW1 = numpy.matmul(dZ1, X.transpose()) # expect: correct
db1 = np.sum(dZ1, axis=-1, keepdims=True) \
      .reshape(3, 1)                   # expect: correct
