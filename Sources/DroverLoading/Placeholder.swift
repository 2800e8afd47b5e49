enum DroverLoadingPlaceholder {}
