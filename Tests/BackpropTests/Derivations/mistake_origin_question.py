# layers: 2,4,1  hidden: tanh  output: sigmoid  convention: absorbed
dZ2 = (A2 - Y) / m                               # expect: correct
dW2 = np.dot(dZ2, A1.T)                          # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)         # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))  # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                     # expect: 1/m applied twice (first applied on line 2)
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)   # expect: 1/m applied twice (first applied on line 2)

# The origin question: "my derivation has 1/m in dZ, the course has it in dW and db - am I wrong?"
# Either place is right on its own. Here 1/m goes into dZ2 (absorbed, PyTorch's mean) and flows
# down through dZ1, and then dW1 and db1 take it again (the course's deferred habit): twice.
