import DroverModel

/// Foundation also declares a `Host`; in this module the word means an inventory host.
public typealias Host = DroverModel.Host
