/// The version of the Backprop library, e.g. `"0.1.0"`.
///
/// It is written into the files Backprop saves (the safetensors metadata, the ONNX
/// `producer_version`, a run's report) and printed by `backprop --version`.
///
/// A free constant rather than a member of a type named `Backprop`: such a type would hide the
/// module's name, so `Backprop.Network` would no longer compile in an app with its own `Network`.
public let backpropVersion = "0.1.0"
