enum DroverTestSupportPlaceholder {}
