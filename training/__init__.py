"""What runs inside the training container: corpus, model, training and verification."""
