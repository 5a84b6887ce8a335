DEMO_USERS = []
def seed(password): return False
