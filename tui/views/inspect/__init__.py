"""The inspect screen: a container's, image's, volume's or network's inspect document."""
