from ninja import NinjaAPI

api = NinjaAPI(title="Zhizhi API", version="1", urls_namespace="api")
